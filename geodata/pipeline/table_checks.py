"""Checks a hostile table meets before it is parsed: a worksheet's widths counted in its XML, JSON's lone
UTF-16 surrogates replaced."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..core.report import GeodataError

__all__ = ["SURROGATE_ESCAPE", "check_sheet_widths", "lone_surrogates_replaced", "too_many_columns",
           "without_lone_surrogates"]


def too_many_columns(name: str, n: int, max_columns: int) -> GeodataError:
    return GeodataError(f"{name}: {n:,} or more columns; the limit is {max_columns:,}")


SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def without_lone_surrogates(value):
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def check_sheet_widths(path: Path, name: str, max_columns: int, max_rows: int | None) -> None:
    """Count the cells of each worksheet's rows in its XML, streamed, before pandas parses it: a header row
    of 80,000 cells (14 KB zipped) costs pandas minutes, a larger one days (its duplicate-name handling
    is quadratic); here it is one message after a linear scan."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        for member in sheets:
            rows = 0
            cells = 0
            try:
                with z.open(member) as fh:
                    for event, el in ET.iterparse(fh, events=("start", "end")):
                        tag = el.tag.rsplit("}", 1)[-1]
                        if event == "start":
                            if tag == "row":
                                cells = 0
                            elif tag == "c":
                                cells += 1
                                if cells > max_columns:
                                    raise too_many_columns(name, cells, max_columns)
                            continue
                        if tag == "row":
                            rows += 1
                            if max_rows is not None and rows > max_rows + 1:
                                break
                        el.clear()
            except (ET.ParseError, zipfile.BadZipFile, OSError, EOFError) as exc:
                raise GeodataError(f"{name}: not a readable workbook ({member}: {exc})") from None


def lone_surrogates_replaced(text: str, data):
    """``(data, notes)``: JSON may escape half of a UTF-16 pair alone ("\\ud800"), which no text can hold
    (Arrow, the stores and every export refuse it): it becomes U+FFFD, the replacement character, and a
    note says so.  ``text`` is the JSON, ``data`` what it parsed to."""
    if not SURROGATE_ESCAPE.search(text):
        return data, []
    return without_lone_surrogates(data), ["lone UTF-16 surrogate escapes (such as \\ud800) replaced by U+FFFD"]
