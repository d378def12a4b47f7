"""Each N of a benchmark in a fresh process (its peak RSS is that N's own), one line of figures each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def print_each(script: str, sizes, args: list[str], columns: list[str]) -> None:
    """Print ``columns`` as a header, then for each N the tab-separated line that
    ``script N --one *args`` prints last, joined with `` | ``; a failed N says so with its error."""
    print(" | ".join(columns))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for n in sizes:
        res = subprocess.run([sys.executable, script, str(n), "--one", *args], capture_output=True, text=True,
                             env=env)
        if res.returncode:
            print(f"{n:,}: failed\n{res.stderr[-2000:]}")
            continue
        print(" | ".join(res.stdout.strip().splitlines()[-1].split("\t")), flush=True)
