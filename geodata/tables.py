"""Reading tables that nobody cleaned: CSV, JSON, GeoJSON and XLSX, as rows of text.

Handles what real files do: any delimiter (comma, tab, pipe, semicolon), UTF-8 or
Latin-1 (and a stray invalid byte), CR, LF or CRLF line ends, gzip, a JSON array
or an object holding one, list-valued fields.  Every value comes back as text
(``None`` for empty), so no ZIP loses its leading zero and no importer is
surprised by a type; each row keeps its position in the file (``_row``, 1-based,
as a spreadsheet counts data rows) for reports.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from pathlib import Path

import pandas as pd

from .report import GeodataError

__all__ = ["read_table", "decode_text", "NULL_STRINGS"]

#: Text that means "no value" in the wild.
NULL_STRINGS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "-", "--"})
_DELIMITERS = ",\t|;"


def decode_text(raw: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding used).  UTF-8 first; a file that is mostly UTF-8
    with a stray bad byte keeps its UTF-8 (the byte becomes U+FFFD); else Latin-1."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", raw))  # well-formed UTF-8 multibyte sequences
    if good and bad <= max(3, good // 10):
        return text, "utf-8 (with replaced bytes)"
    return raw.decode("latin-1"), "latin-1"


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw


def _cell(value):
    """One cell as text or None; lists (``type: ["a", "b"]``) joined by '; '."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        parts = [_cell(v) for v in value]
        return "; ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return None if text in NULL_STRINGS else text


def _frame(records: list[dict]) -> pd.DataFrame:
    columns: list[str] = []
    for rec in records:
        for key in rec:
            if key not in columns:
                columns.append(key)
    df = pd.DataFrame([{k: _cell(rec.get(k)) for k in columns} for rec in records], columns=columns, dtype=object)
    df.insert(0, "_row", range(1, len(df) + 1))
    return df


def _read_csv(text: str, delimiter: str | None) -> list[dict]:
    # CR (Marshall Project), LF and CRLF all end a line; a quoted field may hold one.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return []
    if delimiter is None:
        sample = text[:20000]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
        except csv.Error:
            first = sample.split("\n", 1)[0]
            counts = {d: first.count(d) for d in _DELIMITERS}
            delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # duplicate or blank names stay distinct
        name = h or f"column_{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        header[i] = name if seen[name] == 1 else f"{name}_{seen[name]}"
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append(dict(zip(header, values + [None] * (len(header) - len(values)))))
    return rows


def _read_json(text: str) -> list[dict]:
    data = json.loads(text)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        rows = []
        for feature in data.get("features") or []:
            props = dict(feature.get("properties") or {})
            geom = feature.get("geometry") or {}
            if geom.get("type") == "Point" and len(geom.get("coordinates") or []) >= 2:
                props.setdefault("longitude", geom["coordinates"][0])
                props.setdefault("latitude", geom["coordinates"][1])
            rows.append(props)
        return rows
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if len(lists) != 1:
            raise GeodataError("a JSON object must hold exactly one list of records")
        data = lists[0]
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise GeodataError("JSON must be an array of objects, or an object holding one")
    return data


def read_table(path: str | Path, *, delimiter: str | None = None, sheet: str | None = None) -> pd.DataFrame:
    """Read any supported table into text columns plus ``_row``.

    The format is told by the content where it can be (gzip, JSON) and by the
    extension otherwise (``.xlsx``).  ``attrs["encoding"]`` says how the text was
    decoded and ``attrs["replaced_bytes"]`` how many invalid bytes became U+FFFD.
    """
    path = Path(path)
    if not path.is_file():
        raise GeodataError(f"{path}: no such file")
    suffixes = [s.lower() for s in path.suffixes]
    if ".xlsx" in suffixes or ".xlsm" in suffixes:
        try:
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype=object)
        except Exception as exc:  # openpyxl raises many types for a bad workbook
            raise GeodataError(f"{path}: not a readable workbook ({type(exc).__name__}: {exc})") from None
        return _frame(df.to_dict("records"))
    raw = _read_bytes(path)
    text, encoding = decode_text(raw)
    stripped = text.lstrip()
    try:
        df = _frame(_read_json(text)) if stripped[:1] in ("[", "{") else _frame(_read_csv(text, delimiter))
        # Say what reading had to guess or repair, so a caller can report it.
        df.attrs["encoding"] = encoding
        df.attrs["replaced_bytes"] = text.count("\ufffd") if encoding.startswith("utf-8 (") else 0
        return df
    except json.JSONDecodeError as exc:
        raise GeodataError(f"{path}: not valid JSON ({exc})") from None
    except csv.Error as exc:
        raise GeodataError(f"{path}: not a readable CSV ({exc})") from None
