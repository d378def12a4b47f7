"""Reading tables that nobody cleaned: CSV, JSON, GeoJSON and XLSX, as rows of text.

Handles what real files do: any delimiter (comma, tab, pipe, semicolon), UTF-8,
UTF-16 or Latin-1/cp1252 (and a file mixing UTF-8 and cp1252 lines), CR, LF or
CRLF line ends, gzip, a JSON array or an object holding one, list-valued fields.
Every value comes back as text (``None`` for empty), so no ZIP loses its leading
zero and no importer is surprised by a type; each row keeps its position in the
file (``_row``, 1-based, as a spreadsheet counts data rows) for reports.

And what hostile files do: a gzip bomb, a header of 200,000 columns, JSON nested
100,000 deep, a quote left open that would swallow the rest of the file.  Reading
is bounded (bytes after decompression, columns, rows) and every problem is one
:class:`GeodataError` naming the file; what reading had to guess is said in
``attrs["warnings"]``.

A CSV is parsed a block of rows at a time and turned into columns as it goes, so the
rows of a whole file are never held; ``columnar=True`` keeps the columns in Arrow
(what an import of a million rows reads: hundreds of MB less than Python strings),
with the same cells.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..core.report import GeodataError
from .table_checks import check_sheet_widths, lone_surrogates_replaced, too_many_columns

__all__ = ["read_table", "text_lists", "plain_rows", "decode_text", "NULL_STRINGS", "MB", "MAX_TABLE_BYTES",
           "MAX_COLUMNS"]

#: Text that means "no value" in the wild.
NULL_STRINGS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "-", "--"})
_DELIMITERS = ",\t|;"

#: One megabyte, as every size in this project is counted (and as Streamlit counts ``server.maxUploadSize``).
MB = 2**20
#: The most bytes a table may hold once decompressed: a gzip bomb stops here, not at the end of memory.
MAX_TABLE_BYTES = 256 * MB
#: The most columns a table may have (a real incident table has a few dozen).
MAX_COLUMNS = 1000
#: An XLSX file is zipped XML, about ten times the bytes of the table it holds.
_XLSX_EXPANSION = 10
#: At most this many warnings of one kind are listed; the rest are counted.
_LISTED = 5
#: Bytes of a gzip file counted at a time before it is read.
_GZIP_CHUNK = 16 * MB
#: CSV rows parsed before their cells become columns: what is held at once beside the columns.
_BLOCK_ROWS = 50_000
_GEOMETRY_TYPES = ("Polygon", "MultiPolygon", "LineString", "MultiLineString", "MultiPoint", "GeometryCollection")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")  # a well-formed UTF-8 multibyte sequence, roughly


def megabytes(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n:,} bytes"


def _listed(items: list, what: str) -> str:
    shown = ", ".join(str(i) for i in items[:_LISTED])
    return f"{what} {shown}" + (f" and {len(items) - _LISTED:,} more" if len(items) > _LISTED else "")


def _decode(raw: bytes) -> tuple[str, str, int, list[str]]:
    """Bytes -> (text, encoding used, bytes replaced by U+FFFD, warnings)."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        codec = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    else:
        # UTF-16 without a byte order mark: every other byte of ASCII text is NUL.
        head = raw[:1000]
        half = len(head) // 2
        codec = None
        if half >= 2:
            if head[1::2].count(0) > 0.9 * half and head[0::2].count(0) < 0.1 * half:
                codec = "utf-16-le"
            elif head[0::2].count(0) > 0.9 * half and head[1::2].count(0) < 0.1 * half:
                codec = "utf-16-be"
    if codec:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as exc:
            raise GeodataError(f"not valid {codec.upper()} text ({exc.reason} at byte {exc.start})") from None
        return text.removeprefix("\ufeff"), codec, 0, []
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8"), "utf-8", 0, []
    except UnicodeDecodeError:
        pass
    # Not all UTF-8: decode line by line, UTF-8 where a line is, else cp1252 (Latin-1
    # for the five bytes cp1252 leaves undefined), so a file pasted together from two
    # sources keeps its "Café" on both kinds of line.
    parts = re.split(rb"(\r\n|\r|\n)", raw)
    out, other, utf8_lines, replaced = [], [], 0, 0
    for i in range(0, len(parts), 2):
        line = parts[i]
        try:
            text = line.decode("utf-8")
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            if _UTF8_SEQUENCE.search(line):  # UTF-8 with a stray byte: keep the UTF-8
                text = line.decode("utf-8", errors="replace")
                replaced += text.count("\ufffd")
                utf8_lines += 1
            else:
                try:
                    text = line.decode("cp1252")
                except UnicodeDecodeError:
                    text = line.decode("latin-1")
                other.append(i // 2 + 1)
        out.append(text)
        if i + 1 < len(parts):
            out.append(parts[i + 1].decode("ascii"))
    text = "".join(out)
    warnings = []
    if replaced:
        warnings.append(f"{replaced:,} byte(s) that are not UTF-8 were replaced by U+FFFD")
    if other and utf8_lines:
        warnings.append(
            f"mixed encodings: read as UTF-8 except {_listed(other, 'line' if len(other) == 1 else 'lines')}, "
            f"which {'was' if len(other) == 1 else 'were'} not UTF-8 and read as cp1252 (Latin-1): check the "
            "accented letters there"
        )
        return text, "utf-8 and cp1252", replaced, warnings
    if other:
        return text, "cp1252", replaced, warnings
    return text, "utf-8 (with replaced bytes)", replaced, warnings


def decode_text(raw: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding used).

    A byte order mark (or NULs in every other byte) says UTF-16 or UTF-32; otherwise
    UTF-8, line by line when the whole is not: a line that is not UTF-8 is read as
    cp1252 (Latin-1), and a mostly UTF-8 line keeps its UTF-8 (a stray byte becomes
    U+FFFD).  Raises :class:`GeodataError` for broken UTF-16.
    """
    text, encoding, _, _ = _decode(raw)
    return text, encoding


def _read_bytes(path: Path, name: str, max_bytes: int) -> bytes:
    """The file's bytes, decompressed when it is gzip (told by its content); never more than ``max_bytes``.

    The size is known before the bytes are held (the file's size, or a first pass that
    counts a gzip file's output and keeps none of it), so a limit of a gigabyte costs no
    gigabyte of memory when a file is beyond it."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        if not gzipped:
            if os.fstat(f.fileno()).st_size > max_bytes:
                raise GeodataError(f"{name}: larger than {megabytes(max_bytes)}, the limit")
            raw = f.read(max_bytes + 1)
            if len(raw) > max_bytes:  # grew while read
                raise GeodataError(f"{name}: larger than {megabytes(max_bytes)}, the limit")
            return raw
        try:
            # Streamed: counting stops one chunk past the limit, whatever the file would expand to.
            with gzip.GzipFile(fileobj=f) as gz:
                size = 0
                while size <= max_bytes:
                    chunk = gz.read(min(_GZIP_CHUNK, max_bytes + 1 - size))
                    if not chunk:
                        break
                    size += len(chunk)
                del chunk
                if size <= max_bytes:
                    f.seek(0)
                    with gzip.GzipFile(fileobj=f) as again:
                        raw = again.read(max_bytes + 1)
                else:
                    raw = None
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise GeodataError(f"{name}: not a readable gzip file ({exc or type(exc).__name__})") from None
    if raw is None or len(raw) > max_bytes:
        raise GeodataError(f"{name}: more than {megabytes(max_bytes)} once decompressed; "
                           f"the limit is {megabytes(max_bytes)}")
    return raw


def _cell(value):
    """One cell as text or None; lists (``type: ["a", "b"]``) joined by '; '."""
    if value is None or value is pd.NaT:
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


def _cells(values: list) -> list:
    """:func:`_cell` for a column, with text (every CSV cell) and whole numbers taken the short way."""
    out = []
    for v in values:
        kind = type(v)
        if kind is str:
            v = v.strip()
            out.append(None if v in NULL_STRINGS else v)
        elif kind is int:
            out.append(str(v))
        else:
            out.append(_cell(v))
    return out


def _unique_names(names: list[str]) -> list[str]:
    """Blank names become ``column_N``; a repeated name (or ``_row``, which reading adds) gets ``_2``, ``_3``."""
    taken = {"_row"}
    out = []
    for i, name in enumerate(names):
        base = name or f"column_{i + 1}"
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name)
        out.append(name)
    return out


def _frame(columns: list[str], rows: list[list], *, arrow: bool = False) -> pd.DataFrame:
    """Rows of raw values (each as long as ``columns``) -> text columns plus ``_row``."""
    out = _Columns(columns, arrow)
    out.add(rows)
    return out.frame()


class _Columns:
    """Text columns filled a block of rows at a time, so that the rows of a whole file are never held:
    Python lists (``None`` for empty), or with ``arrow`` Arrow string chunks (a pandas
    ``string[pyarrow]`` column: a million cells in tens of MB, not hundreds)."""

    def __init__(self, names: list[str], arrow: bool):
        self.names, self.arrow = names, arrow
        self.cols: list[list] = [[] for _ in names]
        self.n = 0

    def add(self, rows: list[list]) -> None:
        for j, col in enumerate(self.cols):
            cells = _cells([r[j] for r in rows])
            if self.arrow:
                col.append(pa.array(cells, pa.string()))
            else:
                col.extend(cells)
        self.n += len(rows)

    def frame(self) -> pd.DataFrame:
        if not self.arrow:
            data = {"_row": list(range(1, self.n + 1))}
            data.update(zip(self.names, self.cols))
            return pd.DataFrame(data, columns=["_row", *self.names], dtype=object).astype({"_row": int})
        data = {"_row": np.arange(1, self.n + 1, dtype=np.int64)}
        for name, chunks in zip(self.names, self.cols):
            data[name] = pd.arrays.ArrowExtensionArray(pa.chunked_array(chunks, pa.string()))
        self.cols = []
        return pd.DataFrame(data, columns=["_row", *self.names])


def text_lists(column: pd.Series) -> list:
    """A text column of :func:`read_table` as a list, ``None`` for empty, whether it is held by
    Python (``columnar=False``) or by Arrow (``columnar=True``)."""
    if isinstance(column.dtype, pd.ArrowDtype):
        return pa.array(column).to_pylist()
    return column.tolist()


def plain_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`read_table` as Python values (``None`` for empty), whichever way it held them."""
    return pd.DataFrame({c: text_lists(table[c]) for c in table.columns}, columns=table.columns,
                        dtype=object).astype({"_row": int} if "_row" in table.columns else {})


def _records_frame(records: list[dict], name: str, max_columns: int, arrow: bool = False) -> pd.DataFrame:
    keys: dict = {}  # insertion-ordered set: one pass, linear in the cells
    for rec in records:
        for key in rec:
            if key not in keys:
                keys[key] = None
                if len(keys) > max_columns:
                    raise too_many_columns(name, len(keys), max_columns)
    keys = list(keys)
    names = _unique_names([str(k).strip() for k in keys])
    return _frame(names, [[rec.get(k) for k in keys] for rec in records], arrow=arrow)


def _sniff(text: str) -> str:
    # csv.Sniffer is quadratic in its sample (20 KB of ',"' takes 9 s): a few KB of lines tell the delimiter.
    sample = text[:4096]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in _DELIMITERS}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def _open_quote(text: str, start_line: int, delimiter: str) -> bool:
    """Whether the record that starts on physical line ``start_line`` and runs to the end
    of ``text`` ends inside a quoted field (a quote was opened and never closed)."""
    pos = 0
    for _ in range(start_line - 1):
        pos = text.find("\n", pos) + 1
    try:
        for _ in csv.reader(io.StringIO(text[pos:], newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _lines(text: str):
    """The lines of ``text`` (ends kept), as ``io.StringIO(text, newline="")`` gives them, without its copy
    of the whole text (four bytes a character once read)."""
    pos, n = 0, len(text)
    find = text.find
    while pos < n:
        end = find("\n", pos)
        if end < 0:
            yield text[pos:]
            return
        yield text[pos:end + 1]
        pos = end + 1


def _read_csv(text: str, delimiter: str | None, name: str, max_columns: int, max_rows: int | None,
              arrow: bool = False):
    """``text`` with LF line ends -> (frame, warnings)."""
    if not text.strip():
        raise GeodataError(f"{name}: empty file")
    delimiter = delimiter or _sniff(text)
    # A huge header would be split into a huge list before it could be counted.
    first = text.lstrip("\n")[: 2 * MB].split("\n", 1)[0]
    if first.count(delimiter) >= max_columns:
        raise too_many_columns(name, first.count(delimiter) + 1, max_columns)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    rows, warnings, longer, embedded = [], [], [], []
    columns, count = None, 0
    header, ncols, start, last_multi = None, 0, 1, None
    try:
        for values in reader:
            lines = (start, reader.line_num)
            start = reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if header is None:
                if len(values) > max_columns:
                    raise too_many_columns(name, len(values), max_columns)
                header = _unique_names([h.strip() for h in values])
                ncols = len(header)
                columns = _Columns(header, arrow)
                continue
            if max_rows is not None and count >= max_rows:
                raise GeodataError(f"{name}: more than {max_rows:,} rows; the limit is {max_rows:,}")
            count += 1
            n = count
            if len(values) > ncols:
                if any(v.strip() for v in values[ncols:]):
                    longer.append(n)
                values = values[:ncols]
            elif len(values) < ncols:
                values = values + [None] * (ncols - len(values))
            if lines[1] > lines[0]:  # a quoted field spans lines: does it hold rows of its own?
                last_multi = (n, lines)
                if ncols >= 3 and any(
                    sub.count(delimiter) >= ncols - 1 for v in values if v and "\n" in v for sub in v.split("\n")[1:]
                ):
                    embedded.append(f"{n} (lines {lines[0]}-{lines[1]})")
            else:
                last_multi = None
            rows.append(values)
            if len(rows) == _BLOCK_ROWS:
                columns.add(rows)
                rows = []
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise GeodataError(
                f"{name}: line {start}: a field longer than {csv.field_size_limit():,} characters in the row that "
                "starts there (or a quote opened there and never closed, which makes one field of the rest)"
            ) from None
        raise GeodataError(f"{name}: line {reader.line_num}: not a readable CSV ({exc})") from None
    if header is None:
        raise GeodataError(f"{name}: empty file")
    if last_multi is not None:
        n, (first_line, last_line) = last_multi
        if last_line == reader.line_num and _open_quote(text, first_line, delimiter):
            raise GeodataError(
                f"{name}: row {n} (line {first_line}): a quote opened there is never closed, so the rest of the "
                f"file ({last_line - first_line + 1:,} lines) would be read as one field; close or remove it"
            )
    if longer:
        warnings.append(f"{_listed(longer, 'row' if len(longer) == 1 else 'rows')} had more fields than the "
                        f"header's {ncols}; the extra values were not read")
    if embedded:
        warnings.append(f"{_listed(embedded, 'row' if len(embedded) == 1 else 'rows')}: a quoted field holds "
                        "lines that look like rows of their own; a quote may be unbalanced, joining them into one")
    if not count:
        raise GeodataError(f"{name}: a header and no rows")
    columns.add(rows)
    del rows
    return columns.frame(), warnings


def _geojson_records(data: dict, name: str) -> tuple[list[dict], list[str]]:
    """A FeatureCollection -> (property records with longitude/latitude from a Point, notes)."""
    features = data.get("features")
    if features is None:
        features = []
    if not isinstance(features, list):
        raise GeodataError(f"{name}: 'features' is not a list (a JSON {type(features).__name__})")
    rows, other = [], {}
    for i, feature in enumerate(features, start=1):
        where = f"{name}: feature {i}"
        if not isinstance(feature, dict):
            raise GeodataError(f"{where} is not an object (a JSON {type(feature).__name__})")
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            raise GeodataError(f"{where}: 'properties' is not an object (a JSON {type(props).__name__})")
        props = dict(props or {})
        geom = feature.get("geometry")
        if geom is not None and not isinstance(geom, dict):
            raise GeodataError(f"{where}: 'geometry' is not an object (a JSON {type(geom).__name__})")
        kind = (geom or {}).get("type")
        if kind == "Point":
            xy = geom.get("coordinates")
            if xy in (None, []):  # an empty point: no place given
                pass
            elif (not isinstance(xy, list) or not 2 <= len(xy) <= 3
                  or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in xy)):
                raise GeodataError(f"{where}: a Point's coordinates must be [longitude, latitude], not {str(xy)[:40]}")
            else:
                props.setdefault("longitude", xy[0])
                props.setdefault("latitude", xy[1])
        elif kind in _GEOMETRY_TYPES:
            other.setdefault(kind, []).append(len(rows) + 1)
        elif geom:
            raise GeodataError(f"{where}: not a GeoJSON geometry (type {str(kind)[:40]!r})")
        rows.append(props)
    notes = [
        f"{_listed(at, 'row' if len(at) == 1 else 'rows')}: a {kind} geometry is not read (only points are); "
        "the row is placed by its other fields (facility, city, state...) or rejected if they place it nowhere"
        for kind, at in other.items()
    ]
    return rows, notes


def _read_json(text: str, name: str) -> tuple[list[dict], list[str]]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise GeodataError(f"{name}: not readable JSON (nested too deeply)") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise GeodataError(f"{name}: not valid JSON ({exc})") from None
    data, fixed = lone_surrogates_replaced(text, data)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        rows, notes = _geojson_records(data, name)
        notes = fixed + notes
        if not rows:
            raise GeodataError(f"{name}: a FeatureCollection with no features")
        return rows, notes
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if len(lists) != 1:
            raise GeodataError(f"{name}: a JSON object must hold exactly one list of records")
        data = lists[0]
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise GeodataError(f"{name}: JSON must be an array of objects, or an object holding one")
    if not data:
        raise GeodataError(f"{name}: a JSON array with no records")
    return data, fixed


def _read_xlsx(path: Path, name: str, sheet, max_bytes: int, max_rows: int | None,
               max_columns: int = MAX_COLUMNS) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(path) as z:  # declared sizes bound what zipfile will inflate
            unpacked = sum(i.file_size for i in z.infolist())
            members = set(z.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise GeodataError(f"{name}: not a readable workbook ({exc})") from None
    if "xl/workbook.xml" not in members:
        raise GeodataError(f"{name}: not a readable workbook (a zip archive without xl/workbook.xml)")
    if unpacked > _XLSX_EXPANSION * max_bytes:
        raise GeodataError(f"{name}: a workbook of {megabytes(unpacked)} once unzipped; the limit is "
                           f"{megabytes(_XLSX_EXPANSION * max_bytes)}")
    check_sheet_widths(path, name, max_columns, max_rows)
    try:
        return pd.read_excel(path, sheet_name=sheet or 0, dtype=object,
                             nrows=None if max_rows is None else max_rows + 1)
    except Exception as exc:  # openpyxl raises many types for a bad workbook
        raise GeodataError(f"{name}: not a readable workbook ({type(exc).__name__}: {exc})") from None


def read_table(
    path: str | Path,
    *,
    delimiter: str | None = None,
    sheet: str | None = None,
    name: str | None = None,
    max_bytes: int = MAX_TABLE_BYTES,
    max_rows: int | None = None,
    max_columns: int = MAX_COLUMNS,
    columnar: bool = False,
) -> pd.DataFrame:
    """Read any supported table into text columns plus ``_row``.

    The format is told by the content where it can be (gzip, JSON) and by the
    extension otherwise (``.xlsx``).

    Parameters
    ----------
    name : how messages name the file (default: ``path``); a caller reading a copy
        of someone's upload passes the name they know it by.
    max_bytes, max_rows, max_columns : limits; a file beyond one is a :class:`GeodataError`
        (``max_bytes`` counts the bytes after gzip decompression).
    columnar : hold the text in Arrow (``string[pyarrow]`` columns, missing as ``<NA>``) rather
        than as Python strings (``None`` for empty): a million rows take a fraction of the
        memory.  The same cells either way (:func:`text_lists` reads a column as a list).

    Returns
    -------
    DataFrame of text (``None`` for empty).  ``attrs["encoding"]`` says how the text
    was decoded, ``attrs["replaced_bytes"]`` how many invalid bytes became U+FFFD and
    ``attrs["warnings"]`` what reading had to guess (mixed encodings, rows with more
    fields than the header, a quote that may be unbalanced, geometries not read).

    Raises
    ------
    GeodataError : naming the file, for anything it cannot read: no such file, empty,
        a header and no rows, beyond a limit, corrupt gzip, bad JSON or GeoJSON, a
        quote never closed, a bad workbook.
    """
    path = Path(path)
    name = str(path) if name is None else name
    if not path.is_file():
        raise GeodataError(f"{name}: no such file")
    suffixes = [s.lower() for s in path.suffixes]
    try:
        if ".xlsx" in suffixes or ".xlsm" in suffixes:
            df = _read_xlsx(path, name, sheet, max_bytes, max_rows, max_columns)
            if len(df.columns) > max_columns:
                raise too_many_columns(name, len(df.columns), max_columns)
            if df.empty:
                raise GeodataError(f"{name}: a sheet with {'a header and ' if len(df.columns) else ''}no rows")
            if max_rows is not None and len(df) > max_rows:
                raise GeodataError(f"{name}: more than {max_rows:,} rows; the limit is {max_rows:,}")
            out = _frame(_unique_names([str(c).strip() for c in df.columns]), df.to_numpy().tolist(),
                         arrow=columnar)
            out.attrs.update(encoding="xlsx", replaced_bytes=0, warnings=[])
            return out
        raw = _read_bytes(path, name, max_bytes)
        try:
            text, encoding, replaced, warnings = _decode(raw)
        except GeodataError as exc:
            raise GeodataError(f"{name}: {exc}") from None
        del raw
        if not text.strip():
            raise GeodataError(f"{name}: empty file")
        if text.lstrip()[:1] in ("[", "{") or {".json", ".geojson"} & set(suffixes):
            records, notes = _read_json(text, name)
            if max_rows is not None and len(records) > max_rows:
                raise GeodataError(f"{name}: more than {max_rows:,} records; the limit is {max_rows:,}")
            df = _records_frame(records, name, max_columns, columnar)
            warnings += notes
        else:
            # CR (Marshall Project), LF and CRLF all end a line; a quoted field may hold one.
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            df, more = _read_csv(text, delimiter, name, max_columns, max_rows, columnar)
            del text
            warnings += more
    except RecursionError:  # a value nested deeper than Python's stack (lists in lists in lists...)
        raise GeodataError(f"{name}: values nested too deeply to read") from None
    # Say what reading had to guess or repair, so a caller can report it.
    df.attrs.update(encoding=encoding, replaced_bytes=replaced, warnings=warnings)
    return df
