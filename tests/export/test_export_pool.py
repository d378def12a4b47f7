"""The command line's export keeps the memory Arrow frees for the next chunk (geodata.export.hold_freed_memory)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = ("import pyarrow as pa\nfrom geodata.export import hold_freed_memory\n"
        "held = hold_freed_memory()\nprint(held, pa.default_memory_pool().backend_name)")


def _run(**env) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    run = subprocess.run([sys.executable, "-c", CODE], env={**clean, "PYTHONPATH": str(ROOT), **env},
                         capture_output=True, text=True, check=True, timeout=120)
    return run.stdout.split()


def test_an_export_process_uses_jemalloc_without_decay():
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow is built without jemalloc: the pool is left as it is")
    assert _run() == ["True", "jemalloc"]


def test_a_pool_the_user_chose_is_kept():
    assert _run(ARROW_DEFAULT_MEMORY_POOL="system") == ["False", "system"]
