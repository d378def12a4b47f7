"""Docs that can drift from the code: the test command and the app's settings."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    section = README.split("## Test it", 1)[1]
    command = re.search(r"```sh\n(.*?)\n```", section, re.S).group(1).strip()
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci_lines[-1] == command


def test_every_environment_setting_of_the_app_is_documented():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    used = set(re.findall(r"\bICE_MAP_[A-Z_]+\b", app))
    assert used >= {"ICE_MAP_OFFLINE", "ICE_MAP_TILES", "ICE_MAP_DATA_DIR"}
    for name in used:
        assert f"| `{name}` |" in README, f"{name} is not in the README's settings table"
