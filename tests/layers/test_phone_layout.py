"""Which browsers get the phone's layout (the filters in a popover above the map): layers.page.phone_layout."""

from __future__ import annotations

import pytest

from layers.page import phone_layout

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/159.0.8154.6 Mobile Safari/537.36")
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/18.1 Mobile/15E148 Safari/604.1")
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
DESKTOP_CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36")
ANDROID_TABLET = ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36")


@pytest.mark.parametrize(("headers", "phone"), [
    ({"User-Agent": ANDROID_CHROME}, True),
    ({"User-Agent": IPHONE_SAFARI}, True),
    ({"user-agent": FIREFOX_ANDROID}, True),  # header names in any case
    ({"User-Agent": DESKTOP_CHROME}, False),
    ({"User-Agent": ANDROID_TABLET}, False),  # a tablet's Chrome says no "Mobile": the sidebar fits
    ({"Sec-CH-UA-Mobile": "?1", "User-Agent": DESKTOP_CHROME}, True),  # Chromium's hint wins over the agent
    ({"sec-ch-ua-mobile": "?0", "User-Agent": ANDROID_CHROME}, False),
    ({}, False),  # no headers (a test's app, a health check): the sidebar
])
def test_a_phone_is_told_by_its_client_hint_else_by_mobi_in_its_user_agent(headers, phone):
    assert phone_layout(headers) is phone
