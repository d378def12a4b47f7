"""The performance figures in the README and docs/performance.md are the benchmarks' own output.

    python3 benchmarks/report.py run [NAME ...]   # run benchmarks, keep each one's output in benchmarks/results/
    python3 benchmarks/report.py render           # write README's performance section and docs/performance.md
    python3 benchmarks/report.py check            # exit 1 if either differs from what render would write

``run`` starts each benchmark of :data:`BENCHMARKS` as its own process and keeps what it printed, with
the command, the commit, the date and the machine's state (cores, memory, load average), in
``benchmarks/results/<name>.txt``.  ``render`` puts the lines of each output that match its patterns in the
README (under the script and the run that printed them, unchanged) and every line of every output in
docs/performance.md.  Nothing is typed by hand:
``tests/test_docs.py`` checks both files against the kept outputs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- performance:start -->", "<!-- performance:end -->"

#: name -> (what it measures, the command from the repository's root, most seconds it may take, the patterns of
#: the output lines the README shows).  ``export`` keeps its synthetic stores in /tmp/bench-stores/N (made when
#: absent); ``memory`` measures the 10⁶ one, so it runs after ``export``.
BENCHMARKS: dict[str, tuple[str, list[str], int, tuple[str, ...]]] = {
    "page": ("What a reader's browser fetches and when the map paints (bundled data, desktop and phone profile)",
             ["benchmarks/bench_page.py"], 1800, (r"first visit:", r"reload \(warm")),
    "floor": ("This page's first paint beside the smallest Streamlit page with a map frame (Streamlit's own floor)",
              ["benchmarks/bench_page_floor.py", "--rounds", "3"], 1800, (r"median of",)),
    "viewers": ("What each viewer costs the server: k sessions at once over the websocket (bundled data)",
                ["benchmarks/bench_viewers.py", "--k", "1", "10", "50", "100"], 3600,
                (r"^\s+k\s+views", r"^\s*100\s")),
    "export": ("`geodata export --store` end to end against the pyarrow floor and gdf.to_json",
               ["benchmarks/bench_export.py", "100000", "1000000", "--keep", "/tmp/bench-stores"], 3600,
               (r"^N = ", r"^  CPU ", r"^  peak RSS")),
    "memory": ("The app on a store of 10⁶ incidents: resident memory and CPU per reader",
               ["benchmarks/bench_memory.py", "--store", "/tmp/bench-stores/1000000", "--k", "1", "10"], 3600,
               (r"RSS after the first page", r"^\s+k\s+links", r"^\s*10 ", r"peak RSS")),
    "first-visit": ("The first visit after an import against a warm one (folder store of 10⁵ incidents)",
                    ["benchmarks/bench_first_visit.py", "100000"], 1800, (r"first/warm", r"^\s+[\d,]+\s")),
}


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def _machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 2**20:.0f} GB"
    except OSError:
        mem = "?"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), {mem}; load average at start {load}"


def run(names: list[str]) -> int:
    """Run the named benchmarks (all when none is named) and keep their output; the number that failed."""
    failed = 0
    RESULTS.mkdir(exist_ok=True)
    for name in names or list(BENCHMARKS):
        if name not in BENCHMARKS:
            print(f"report.py: no benchmark named {name!r} (known: {', '.join(BENCHMARKS)})", file=sys.stderr)
            return 2
        _, command, timeout, _ = BENCHMARKS[name]
        # The kept outputs of the runs before this one are not changes to what is measured.
        dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no", "--", ".",
                                                       ":!benchmarks/results") else ""
        head = [f"command: python3 {' '.join(command)}",
                f"commit: {_git('rev-parse', '--short', 'HEAD')}{dirty}",
                f"date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
                f"machine: {_machine()}"]
        print(f"== {name}: {head[0]}", flush=True)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        res = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True, env=env,
                             timeout=timeout)
        print(res.stdout, end="", flush=True)
        if res.returncode:
            failed += 1
            print(f"report.py: {name} exited {res.returncode}; its output is not kept\n{res.stderr[-3000:]}",
                  file=sys.stderr)
            continue
        (RESULTS / f"{name}.txt").write_text("\n".join(f"# {h}" for h in head) + "\n" + res.stdout,
                                             encoding="utf-8")
    return failed


def _read(name: str) -> tuple[dict[str, str], list[str]] | None:
    path = RESULTS / f"{name}.txt"
    if not path.exists():
        return None
    head, body = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"# (command|commit|date|machine): (.*)", line)
        if m and not body:
            head[m.group(1)] = m.group(2)
        else:
            body.append(line)
    return head, body


def readme_section() -> str:
    """The README's performance section: each benchmark's summary lines under its script and run."""
    out = [START, "## Performance", "",
           "Printed by the scripts in `benchmarks/` on a 2-core shared machine; compare figures of one run, not",
           "runs. `python3 benchmarks/report.py run` runs them again and `render` writes this section and",
           "[docs/performance.md](docs/performance.md) (every line they printed) from their output.", ""]
    for name, (what, _, _, patterns) in BENCHMARKS.items():
        kept = _read(name)
        if kept is None:
            continue
        head, body = kept
        out.append(f"- {what}: `{head['command'].removeprefix('python3 ')}` ({head['date'][:10]}, {head['commit']}):")
        out += ["  ```text", *[f"  {line.rstrip()}" for line in body if any(re.search(p, line) for p in patterns)],
                "  ```"]
    out.append(END)
    return "\n".join(out)


def doc_page() -> str:
    """docs/performance.md: every benchmark's whole output with its command, commit, date and machine."""
    out = ["# Performance: the benchmarks' output", "",
           "Written by `python3 benchmarks/report.py render` from `benchmarks/results/` (what each script printed",
           "when `report.py run` ran it); nothing here is typed by hand. What the figures mean and how they are",
           "taken is in each script's docstring; what changed to reach them is in",
           "[Performance, December 2026](performance-2026-12.md).", ""]
    for name, (what, *_) in BENCHMARKS.items():
        kept = _read(name)
        out += [f"## {what}", ""]
        if kept is None:
            out += ["Not run yet.", ""]
            continue
        head, body = kept
        out += [f"- command: `{head['command']}`", f"- commit: {head['commit']}", f"- date: {head['date']}",
                f"- machine: {head['machine']}", "", "```text", *[line.rstrip() for line in body], "```", ""]
    return "\n".join(out).rstrip() + "\n"


def _with_section(readme: str) -> str:
    if START not in readme:
        raise SystemExit(f"report.py: README.md has no {START} marker")
    before, rest = readme.split(START, 1)
    return before + readme_section() + rest.split(END, 1)[1]


def render(check: bool = False) -> int:
    """Write (or with ``check`` compare) the README's section and docs/performance.md; 1 if they differ."""
    want_readme, want_doc = _with_section(README.read_text(encoding="utf-8")), doc_page()
    stale = [p.name for p, want in ((README, want_readme), (DOC, want_doc))
             if not p.exists() or p.read_text(encoding="utf-8") != want]
    if check:
        for name in stale:
            print(f"report.py: {name} is not what `benchmarks/report.py render` writes", file=sys.stderr)
        return 1 if stale else 0
    README.write_text(want_readme, encoding="utf-8")
    DOC.write_text(want_doc, encoding="utf-8")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "render", "check"):
        print("usage: report.py run [NAME ...] | render | check", file=sys.stderr)
        return 2
    if argv[0] == "run":
        return run(argv[1:])
    return render(check=argv[0] == "check")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
