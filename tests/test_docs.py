"""Docs that can drift from the code: the README and docs/, their commands, settings and links.

The README is short (what the project is, the two commands, the settings); the rest is in docs/ by
topic.  Figures stated in the docs are checked by the tests of what they measure, reading the file
the figure is in (test_headcount.py: docs/population.md; test_hostile_inputs.py:
docs/using-the-map.md; test_i18n.py: the Spanish guide).
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
README_ES = (ROOT / "docs" / "README.es.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
#: Every Markdown page a reader reaches from the README.
PAGES = [ROOT / "README.md", ROOT / "DATA.md", *DOCS]
#: The topics the README's text moved to (issue 16); each must stay linked from the README.
TOPICS = ["using-the-map.md", "using-the-map.es.md", "areas-offices-arrests.md", "population.md", "command-line.md",
          "store.md", "importing.md", "data-dictionary.md", "performance.md", "languages.md", "testing.md",
          "layout.md", "README.es.md"]
README_MAX_LINES = 200


def code_blocks(text: str, langs=("sh", "bash")) -> list[str]:
    return re.findall(r"```(?:" + "|".join(langs) + r")\n(.*?)\n```", text, re.S)


def command_lines(block: str) -> list[str]:
    """The commands of a shell block: comments dropped, continued lines joined."""
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def settings_table(text: str) -> set[str]:
    return set(re.findall(r"^\| `(ICE_MAP_[A-Z_]+)` \|", text, re.M))


# --- the README ---------------------------------------------------------------------------


def test_ci_runs_the_readme_test_command():
    section = README.split("## Test it", 1)[1]
    command = re.search(r"```sh\n(.*?)\n```", section, re.S).group(1).strip()
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci_lines[-1] == command


def test_every_environment_setting_of_the_app_is_documented():
    code = [ROOT / "app.py", *sorted((ROOT / "geodata").rglob("*.py")), *sorted((ROOT / "layers").rglob("*.py"))]
    used = set(re.findall(r"\bICE_MAP_[A-Z_]+\b", "\n".join(p.read_text(encoding="utf-8") for p in code)))
    assert used >= {"ICE_MAP_OFFLINE", "ICE_MAP_TILES", "ICE_MAP_DATA_DIR"}
    for name in used:
        assert f"| `{name}` |" in README, f"{name} is not in the README's settings table"


def test_readme_fits_on_a_few_screens():
    lines = README.count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/ (by topic)"


def test_readme_runs_the_app_on_the_bundled_data_in_one_command():
    section = README.split("## Run it", 1)[1].split("\n## ", 1)[0]
    assert code_blocks(section) == ["python3 -m pip install -e . && streamlit run app.py"]


def test_readme_links_every_topic_of_docs():
    for name in TOPICS:
        assert f"(docs/{name})" in README, f"the README does not link docs/{name}"
    for path in DOCS:
        assert f"(docs/{path.name})" in README, f"docs/{path.name} is linked from nowhere in the README"


# --- the Spanish README -------------------------------------------------------------------


def test_spanish_readme_has_the_same_commands_and_settings():
    assert code_blocks(README_ES) == code_blocks(README)
    assert settings_table(README_ES) == settings_table(README) != set()


# --- links --------------------------------------------------------------------------------


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # a "# comment" in a code block is no heading
    return {anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def relative_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'<img src="([^"]+)"', text)
    return [t for t in targets if not re.match(r"[a-z]+:", t)]


def test_anchor_is_the_one_github_makes():
    assert anchor("Idioma / Language") == "idioma--language"
    assert anchor("Importing other people's incident tables") == "importing-other-peoples-incident-tables"
    assert anchor("Headcount by month (`geodata/data/uwchr/facility-headcount-monthly.csv`, GPL-3.0)") == \
        "headcount-by-month-geodatadatauwchrfacility-headcount-monthlycsv-gpl-30"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_points_to_an_existing_file_and_heading(page):
    broken = []
    for target in relative_links(page):
        file_part, _, fragment = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(f"{target}: no heading #{fragment} in {dest.name}")
    assert not broken, broken


# --- commands in the docs -----------------------------------------------------------------


def documented_commands():
    for page in PAGES:
        for block in code_blocks(page.read_text(encoding="utf-8")):
            for line in command_lines(block):
                yield page, line


def test_the_docs_show_the_commands_of_each_topic():
    commands = [line for _, line in documented_commands()]
    for sub in ("import", "init", "export", "fetch", "build-bundle", "build-basemap", "build-regions"):
        assert any(line.startswith(f"geodata {sub} ") or line == f"geodata {sub}" for line in commands), sub


def test_every_geodata_command_in_the_docs_is_one_the_cli_accepts():
    from geodata.cli import build_parser

    parser = build_parser()
    checked = 0
    for page, line in documented_commands():
        words = shlex.split(line, comments=True)
        while words and re.match(r"[A-Z_]+=", words[0]):
            words.pop(0)
        if not words or words[0] != "geodata":
            continue
        try:
            parser.parse_args(words[1:])
        except SystemExit:
            pytest.fail(f"{page.name}: `{line}` is not a command geodata accepts")
        checked += 1
    assert checked >= 20


def test_every_setting_a_documented_command_uses_is_in_the_settings_table():
    documented = settings_table(README)
    for page, line in documented_commands():
        for name in re.findall(r"\b(ICE_MAP_[A-Z_]+)=", line):
            assert name in documented, f"{page.name}: {name} is not in the README's settings table"


def test_every_script_the_docs_name_exists():
    named = set()
    for page in PAGES:
        named |= set(re.findall(r"\b((?:benchmarks|scripts|tests(?:/\w+)?)/[\w-]+\.(?:py|sh))\b",
                                page.read_text(encoding="utf-8")))
    assert "benchmarks/bench_scale.py" in named and "scripts/test.sh" in named
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert not missing, missing


def test_the_performance_figures_are_the_benchmarks_output():
    """README's performance section and docs/performance.md are what benchmarks/report.py renders from the
    outputs it kept (benchmarks/results/): no figure typed by hand, none left out."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    kept = {p.stem for p in (ROOT / "benchmarks" / "results").glob("*.txt")}
    assert kept == set(report.BENCHMARKS), "run `python3 benchmarks/report.py run NAME` for each benchmark"
    assert report.render(check=True) == 0, "run `python3 benchmarks/report.py render`"
    section = README.split(report.START, 1)[1].split(report.END, 1)[0]
    for name, (_, command, _, _) in report.BENCHMARKS.items():
        assert f"`{' '.join(command)}`" in section, name
