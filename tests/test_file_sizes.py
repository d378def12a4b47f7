"""No source file over 600 lines: a newcomer reads one part without scrolling through the others.

The rule of the developers' guide ("no file over 600 lines, Python or JavaScript, except data"),
checked over the project's own code: app.py, geodata/ (not geodata/data/, which is data),
layers/, benchmarks/ and tests/.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600
CODE_DIRS = ("geodata", "layers", "benchmarks", "tests")
DATA_DIRS = (ROOT / "geodata" / "data",)

#: Files over MAX_LINES today, each with its length when it was listed.  This list may only
#: shrink: split a file (or move code out of it) and remove it here; never add one.  Empty
#: since layers/js/canvas.js (1,467 lines) became layers/js/canvas.js and its canvas-*.js parts.
OVER_TODAY: dict[str, int] = {}


def code_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".js") and not any(d in path.parents for d in DATA_DIRS):
                files.append(path)
    return files


def line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f)


def test_code_files_are_found_where_the_rule_looks():
    names = {p.relative_to(ROOT).as_posix() for p in code_files()}
    assert {"app.py", "layers/js/canvas.js", "layers/canvas.py", "geodata/cli.py", "tests/jsharness.py"} <= names
    assert not any(name.startswith("geodata/data/") for name in names)


def test_no_python_or_javascript_file_is_over_600_lines():
    over = {p.relative_to(ROOT).as_posix(): n for p in code_files() if (n := line_count(p)) > MAX_LINES}
    new = sorted(f"{name} ({n} lines)" for name, n in over.items() if name not in OVER_TODAY)
    assert not new, f"over {MAX_LINES} lines: {new}; split by what the code does"
    grown = sorted(f"{name}: {n} > {OVER_TODAY[name]}" for name, n in over.items() if n > OVER_TODAY.get(name, n))
    assert not grown, f"listed files grew: {grown}"


def test_the_list_of_files_over_600_lines_only_shrinks():
    # A listed file now under the limit must leave the list, so it cannot grow back unnoticed.
    fixed = sorted(name for name in OVER_TODAY if not (ROOT / name).exists() or line_count(ROOT / name) <= MAX_LINES)
    assert not fixed, f"under {MAX_LINES} lines now: remove {fixed} from OVER_TODAY"
