"""Run the layers' JavaScript in node, with just enough of Leaflet and the DOM mocked.

``run_js(tmp_path, body, **values)`` loads the canvas layer's script from its
files (``layers/js/canvas.js`` and the parts it needs; with ``scripts=`` other
files of ``layers/js/``, each after those it needs, as the page loads them),
binds each keyword as a JavaScript variable (as JSON) and runs ``body``, which
must ``console.log(JSON.stringify(...))`` one result; the parsed result is
returned (``body`` may log it when a promise settles).  Setting ``innerHTML`` on
a mocked element throws, so a test fails if any code path parses markup.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from layers import SCRIPTS_DIR
from layers._script import scripts_with_needs

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

#: The mocks of Leaflet and the DOM the layers' scripts run on (tests/js/prelude.js).
PRELUDE = (Path(__file__).parent / "js" / "prelude.js").read_text(encoding="utf-8")


def load_scripts(*names: str) -> str:
    """JavaScript that runs the files ``names`` of ``layers/js/``, after those they need, each from its path."""
    return "".join(f"require({json.dumps(str(SCRIPTS_DIR / name))});\n" for name in scripts_with_needs(names))


def run_js(tmp_path, body: str, scripts=("canvas.js",), **values) -> dict:
    if NODE is None:
        pytest.skip("node is not installed")
    binds = "".join(f"var {name} = {json.dumps(value)};\n" for name, value in values.items())
    script = f"{PRELUDE}\n{load_scripts(*scripts)}{binds}{body}\n"
    path = tmp_path / "harness.js"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run([NODE, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def walk(node):
    yield node
    for child in node.get("children", []):
        yield from walk(child)


def text_of(node) -> str:
    return "".join(n.get("text", "") for n in walk(node))
