"""The geocoding chain: cache, gazetteer, online service; the network replaced by fakes."""

from __future__ import annotations

from geodata.geography.geocode import DiskCache, GazetteerProvider, GeocodeQuery, Geocoder, GeocodeResult, RateLimiter


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class FakeService:
    """Records each call and when it came, as an online geocoder would see them."""

    name = "fake"

    def __init__(self, clock, *, fail=False):
        self.clock = clock
        self.limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
        self.calls: list[tuple[str, float]] = []
        self.fail = fail

    def geocode(self, query):
        if not query.street:
            return None
        self.limiter.wait()
        self.calls.append((query.one_line(), self.clock()))
        if self.fail:
            raise OSError("network is unreachable")
        return GeocodeResult(-93.2650, 44.9778, "address", "fake match", provider=self.name)


STREETS = [GeocodeQuery(street=f"{n} Nicollet Ave", city="Minneapolis", state="MN") for n in (100, 200, 300)]


def test_rate_limit_honoured():
    clock = FakeClock()
    service = FakeService(clock)
    geocoder = Geocoder([GazetteerProvider(), service])
    for q in STREETS:
        assert geocoder.geocode(q).precision == "address"
    times = [t for _, t in service.calls]
    assert len(times) == 3
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:]))


def test_cache_hit_on_second_run(tmp_path):
    clock = FakeClock()
    service = FakeService(clock)
    cache = DiskCache(tmp_path / "cache.json")
    first = [Geocoder([GazetteerProvider(), service], cache).geocode(q) for q in STREETS]
    cache.save()
    assert len(service.calls) == 3
    again = Geocoder([GazetteerProvider(), service], DiskCache(tmp_path / "cache.json"))
    second = [again.geocode(q) for q in STREETS]
    assert len(service.calls) == 3  # nothing asked twice
    assert second == first
    assert again.calls == {}


def test_online_not_asked_when_the_gazetteer_is_enough():
    clock = FakeClock()
    service = FakeService(clock)
    hit = Geocoder([GazetteerProvider(), service]).geocode(GeocodeQuery(city="Minneapolis", state="MN"))
    assert hit.precision == "city" and service.calls == []


def test_offline_fallback_when_the_service_fails():
    clock = FakeClock()
    service = FakeService(clock, fail=True)
    geocoder = Geocoder([GazetteerProvider(), service])
    hit = geocoder.geocode(GeocodeQuery(street="100 Nicollet Ave", city="Minneapolis", state="MN", zip5="55401"))
    assert hit.precision == "zip" and hit.provider == "gazetteer"
    assert geocoder.failures == {"fake": 1}


def test_cache_is_saved_whole_and_a_damaged_one_is_one_clear_error(tmp_path):
    import pytest

    from geodata.core.report import GeodataError

    path = tmp_path / "cache.json"
    cache = DiskCache(path)
    Geocoder([GazetteerProvider()], cache).geocode(GeocodeQuery(city="Minneapolis", state="MN"))
    cache.save()
    assert DiskCache(path).get("|MINNEAPOLIS||MN|")[0]
    assert [p.name for p in tmp_path.iterdir()] == ["cache.json"]  # no temporary file left
    path.write_text('{"|MINNEAPOLIS||MN|": {"lon"')  # cut off, as an old non-atomic write could leave it
    with pytest.raises(GeodataError, match="cache.json: the geocoding cache is damaged"):
        DiskCache(path)
