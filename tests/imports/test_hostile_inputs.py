"""Hostile and careless files, through the command line and the app's upload: one clear message, never a
traceback; memory bounded; every row of a file that imports accounted for (stored + merged + rejected).

The small files are in ``tests/hostile/``; the large ones (a gzip bomb, 200,000 columns, JSON nested
100,000 deep, a 10 MB line) are made here at run time.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from geodata import GeodataError
from geodata.cli import main
from geodata.imports.ingest import MAX_UPLOAD_BYTES, MAX_UPLOAD_COLUMNS, MAX_UPLOAD_ROWS, load_store, read_upload
from geodata.pipeline.tables import MB, read_table

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "hostile"
GOOD = "date,title,city,state,source_url\n2026-01-05,Already stored,Denver,CO,https://e.org/stored\n"
SUMMARY = re.compile(
    r"^(\d+) rows: (\d+) stored \(\d+ new, \d+ updated, \d+ unchanged\), (\d+) merged, (\d+) rejected$"
)

#: file -> ("error", what the message says) or ("ok", rows in the file, (stored, merged, rejected), a warning or None)
EXPECTED = {
    # A quote never closed would swallow the three rows after it.
    "unterminated_quote.csv": ("error", "row 1 (line 2): a quote opened there is never closed"),
    # A quote closed two lines later by a stray one: read as the CSV rules say (2 rows), with a warning.
    "unbalanced_quote.csv": ("ok", 2, (2, 0, 0), "row 1 (lines 2-4): a quoted field holds lines that look like rows"),
    "mixed_encoding.csv": ("ok", 2, (2, 0, 0), "mixed encodings: read as UTF-8 except line 3"),
    "latin1.csv": ("ok", 1, (1, 0, 0), None),
    "identical_rows.csv": ("ok", 3, (2, 1, 0), None),  # the later identical row is merged, not rejected
    "underscore_coordinates.csv": ("ok", 2, (1, 0, 1), None),
    "empty.csv": ("error", "empty file"),
    "blank_lines.csv": ("error", "empty file"),
    "header_only.csv": ("error", "a header and no rows"),
    "utf16le_bom.csv": ("ok", 1, (1, 0, 0), None),
    "utf16be_bom.csv": ("ok", 1, (1, 0, 0), None),
    "utf16le_no_bom.csv": ("ok", 1, (1, 0, 0), None),
    "corrupt.csv.gz": ("error", "not a readable gzip file"),
    "truncated.csv.gz": ("error", "not a readable gzip file"),
    "features_not_objects.geojson": ("error", "feature 1 is not an object"),
    "features_object.geojson": ("error", "'features' is not a list"),
    "properties_list.geojson": ("error", "feature 1: 'properties' is not an object"),
    "geometry_string.geojson": ("error", "feature 1: 'geometry' is not an object"),
    "coordinates_number.geojson": ("error", "a Point's coordinates must be [longitude, latitude]"),
    "coordinates_strings.geojson": ("error", "a Point's coordinates must be [longitude, latitude]"),
    "no_features.geojson": ("error", "a FeatureCollection with no features"),
    # Polygon (placed by its city), MultiPoint (nothing else to place it by: rejected), LineString, Point.
    "other_geometries.geojson": ("ok", 4, (3, 0, 1), "row 1: a Polygon geometry is not read"),
    "json_string.json": ("error", "JSON must be an array of objects"),
    "json_number.json": ("error", "JSON must be an array of objects"),
    "json_null.json": ("error", "JSON must be an array of objects"),
    "json_empty_array.json": ("error", "a JSON array with no records"),
    "huge_integer.json": ("error", "not valid JSON"),
    "nested_values.json": ("ok", 1, (1, 0, 0), None),  # a list 50 deep in a value: joined as text
    "nul_bytes.csv": ("ok", 2, (2, 0, 0), None),
    "bom_semicolon.csv": ("ok", 2, (2, 0, 0), None),
    "short_rows.csv": ("ok", 3, (1, 0, 2), None),  # a blank line and a row of empty fields are not rows
    "more_fields.csv": ("ok", 1, (1, 0, 0), "row 1 had more fields than the header's 5"),
    "row_column.csv": ("ok", 1, (1, 0, 0), None),  # columns named like the reader's own _row
    "invalid.xlsx": ("error", "not a readable workbook"),
    "zip_not_workbook.xlsx": ("error", "not a readable workbook (a zip archive without xl/workbook.xml)"),
}


def test_every_corpus_file_has_an_expectation():
    assert sorted(p.name for p in CORPUS.iterdir() if not p.name.startswith(".")) == sorted(EXPECTED)


def _store_with_one_record(tmp_path) -> Path:
    good, store = tmp_path / "good.csv", tmp_path / "store.geojson"
    good.write_text(GOOD)
    assert main(["import", "incidents", str(good), "--store", str(store), "-q"]) == 0
    return store


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_through_the_cli(name, tmp_path, capsys):
    store = _store_with_one_record(tmp_path)
    before = store.read_bytes()
    capsys.readouterr()
    status = main(["import", "incidents", str(CORPUS / name), "--store", str(store), "-q"])
    err = capsys.readouterr().err
    expected = EXPECTED[name]
    if expected[0] == "error":
        assert status == 2
        assert err.count("\n") == 1 and err.startswith(f"geodata: error: {CORPUS / name}: ")
        assert expected[1] in err
        assert store.read_bytes() == before  # nothing stored is lost
        return
    _, rows, counts, warning = expected
    assert status == 0, err
    summary = SUMMARY.match(err.splitlines()[0])
    assert summary, err
    n, stored, merged, rejected = map(int, summary.groups())
    assert (n, (stored, merged, rejected)) == (rows, counts)
    assert stored + merged + rejected == n
    assert len(load_store(store)) == 1 + counts[0]  # the record already stored, and this file's
    if warning:
        assert f"warning: {warning}" in err
    else:
        assert "warning:" not in err


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_through_read_upload(name):
    data = (CORPUS / name).read_bytes()
    expected = EXPECTED[name]
    if expected[0] == "error":
        with pytest.raises(GeodataError) as info:
            read_upload(data, name)
        message = str(info.value)
        assert message.startswith(f"{name}: ") and expected[1] in message
        assert tempfile.gettempdir() not in message and "upload." not in message  # never the server's copy
        return
    _, rows, (stored, merged, rejected), warning = expected
    shown, rejects = read_upload(data, name)
    told = shown.attrs
    assert (told["rows"], len(shown), told["merged"], told["rejected"]) == (rows, stored, merged, rejected)
    assert len(shown) + told["merged"] + len(rejects) == told["rows"]
    assert len(rejects) == 0 or rejects["reason"].notna().all()
    assert any(warning in w for w in told["warnings"]) if warning else not told["warnings"]


def _import(tmp_path, name):
    store = tmp_path / f"{name}.geojson"
    assert main(["import", "incidents", str(CORPUS / name), "--store", str(store), "-q", "-v"]) == 0
    return load_store(store).sort_values("date")


def test_mixed_and_utf16_text_is_decoded_not_garbled(tmp_path):
    assert _import(tmp_path, "mixed_encoding.csv")["title"].tolist() == ["Café raid", "Café protest"]
    assert _import(tmp_path, "latin1.csv")["title"].tolist() == ["Café protest"]
    for name in ("utf16le_bom.csv", "utf16be_bom.csv", "utf16le_no_bom.csv"):
        assert _import(tmp_path, name)["title"].tolist() == ["Café"], name
    semicolons = _import(tmp_path, "bom_semicolon.csv")
    assert semicolons["title"].tolist() == ["Arrest", "Other, with a comma"]  # the BOM did not hide "date"


def test_identical_rows_are_one_record_with_the_repeat_counted_as_merged(tmp_path, capsys):
    kept = _import(tmp_path, "identical_rows.csv")
    assert kept["title"].tolist() == ["Arrest", "Other"]
    err = capsys.readouterr().err
    assert "a repeat of an earlier row of this file" in err and "duplicate id" not in err


def test_underscored_number_is_not_a_coordinate(tmp_path):
    store = tmp_path / "s.geojson"
    main(["import", "incidents", str(CORPUS / "underscore_coordinates.csv"), "--store", str(store), "-q"])
    reasons = (tmp_path / "s.rejects.csv").read_text()
    assert "coordinates are not plain numbers ('4_4.98'" in reasons
    assert load_store(store)["title"].tolist() == ["Plain"]


def test_non_point_geometries_are_noted_per_row(tmp_path, capsys):
    kept = _import(tmp_path, "other_geometries.geojson")
    err = capsys.readouterr().err
    for row, kind in ((1, "Polygon"), (2, "MultiPoint"), (3, "LineString")):
        assert f"warning: row {row}: a {kind} geometry is not read" in err
    # The polygon is placed by its city (not by its shape), the point by its coordinates.
    assert dict(zip(kept["title"], kept["location_precision"])) == {
        "A polygon in Minneapolis": "city", "A line": "city", "A point": "address"}
    assert "no place found" in (tmp_path / "other_geometries.geojson.rejects.csv").read_text()


def test_a_file_name_with_a_newline_still_gives_one_line(tmp_path, capsys):
    path = tmp_path / "two\nlines.csv"
    path.write_bytes(b"")
    assert main(["import", "incidents", str(path), "--store", str(tmp_path / "s.geojson"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two lines.csv: empty file" in err


# -- large inputs, made at run time -------------------------------------------------------------------------

def _gzip_bomb(path: Path) -> Path:
    """1.2 MB of gzip that would expand to 1.2 GB: 120 members of 10 MB of newlines each."""
    member = gzip.compress(b"\n" * (10 * MB), compresslevel=9)
    path.write_bytes(gzip.compress(b"date,title,city,state,source_url\n") + member * 120)
    assert path.stat().st_size < 1.5 * MB
    return path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geodata", "import", "incidents", *args, "-q"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def _one_line_error(proc: subprocess.CompletedProcess, says: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("geodata: error: ") and says in proc.stderr, proc.stderr


_PEAK_RSS = """
import resource, sys
from geodata.imports.ingest import read_upload
from geodata.core.report import GeodataError
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_upload(data, "bomb.csv")
except GeodataError as exc:
    print(exc, file=sys.stderr)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_gzip_bomb_stops_at_the_limit_with_bounded_memory(tmp_path):
    import resource

    bomb = _gzip_bomb(tmp_path / "bomb.csv")
    small = tmp_path / "small.csv"
    small.write_text(GOOD)
    # The command line: peak memory of the child, compared with importing a one-row file.
    ok = _cli(str(small), "--store", str(tmp_path / "a.geojson"), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    base = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = _cli(str(bomb), "--store", str(tmp_path / "b.geojson"), cwd=tmp_path)
    _one_line_error(proc, "more than 1024 MB once decompressed; the limit is 1024 MB")
    growth_mb = (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss - base) / 1024
    assert growth_mb < 500, f"the CLI grew by {growth_mb:.0f} MB on a 1.2 MB gzip bomb"
    assert not (tmp_path / "b.geojson").exists()
    # The upload: the same limit as the compressed file, 20 MB.
    up = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(bomb)], cwd=ROOT, capture_output=True, text=True,
                        timeout=300)
    assert "Traceback" not in up.stderr
    assert up.stderr.strip() == "bomb.csv: more than 20 MB once decompressed; the limit is 20 MB"
    assert int(up.stdout) < 200, f"read_upload grew by {up.stdout.strip()} MB"


def test_two_hundred_thousand_columns_are_refused(tmp_path):
    header = ",".join(f"c{i}" for i in range(200_000))
    wide = tmp_path / "wide.csv"
    wide.write_text(header + "\n" + ",".join("x" * 200_000) + "\n")
    _one_line_error(_cli(str(wide), "--store", str(tmp_path / "s.geojson"), cwd=tmp_path),
                    "200,000 or more columns; the limit is 1,000")
    with pytest.raises(GeodataError, match="wide.csv: 200,000 or more columns"):
        read_upload(wide.read_bytes(), "wide.csv")
    # JSON records with as many keys: refused at the 1,001st (an upload: at the 201st), whatever the record count.
    keys = tmp_path / "wide.json"
    keys.write_text(json.dumps([{f"k{i}": i for i in range(j, j + 1000)} for j in range(0, 200_000, 1000)]))
    with pytest.raises(GeodataError, match="wide.json: 1,001 or more columns; the limit is 1,000"):
        read_table(keys)
    with pytest.raises(GeodataError, match="^wide.json: 201 or more columns; the limit is 200$"):
        read_upload(keys.read_bytes(), "wide.json")


def test_json_nested_100000_deep(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    _one_line_error(_cli(str(deep), "--store", str(tmp_path / "s.geojson"), cwd=tmp_path), "nested too deeply")
    with pytest.raises(GeodataError, match="deep.json: not readable JSON"):
        read_upload(deep.read_bytes(), "deep.json")
    in_value = '[{"date": "2026-01-07", "tags": ' + "[" * 990 + "1" + "]" * 990 + "}]"
    with pytest.raises(GeodataError, match="in_value.json: .*nested too deeply"):
        read_upload(in_value.encode(), "in_value.json")


def test_unterminated_quote_through_the_real_cli(tmp_path):
    _one_line_error(_cli(str(CORPUS / "unterminated_quote.csv"), "--store", str(tmp_path / "s.geojson"),
                         cwd=tmp_path), "a quote opened there is never closed")


def test_ten_megabyte_line(tmp_path):
    one_field = b"date,title,city,state,source_url\n2026-01-07," + b"x" * (10 * MB) + b",Denver,CO,https://e.org/1\n"
    with pytest.raises(GeodataError, match="line.csv: line 2: a field longer than 131,072 characters"):
        read_upload(one_field, "line.csv")
    no_newline = b"a" * (10 * MB)
    with pytest.raises(GeodataError, match="nonl.csv: line 1: a field longer than"):
        read_upload(no_newline, "nonl.csv")
    open_quote = b'date,title\n2026-01-07,"open\n' + b"2026-01-08,a row\n" * 20_000
    with pytest.raises(GeodataError, match="quote.csv: line 2: a field longer than .* a quote opened there"):
        read_upload(open_quote, "quote.csv")
    path = tmp_path / "line.csv"
    path.write_bytes(one_field)
    _one_line_error(_cli(str(path), "--store", str(tmp_path / "s.geojson"), cwd=tmp_path), "a field longer than")


def test_upload_is_bounded_in_bytes_rows_and_unzipped_size():
    big = b"date,title\n" + b"2026-01-07,x\n" * (MAX_UPLOAD_BYTES // 13 + 1)
    with pytest.raises(GeodataError, match=r"^big.csv: 20,971,533 bytes; the limit is 20 MB \(20,971,520 bytes\)$"):
        read_upload(big, "big.csv")
    rows = "date,title,city,state,source_url\n" + "2026-01-07,x,Denver,CO,https://e.org/1\n" * (MAX_UPLOAD_ROWS + 1)
    with pytest.raises(GeodataError, match="many.csv: more than 10,000 rows; the limit is 10,000"):
        read_upload(rows.encode(), "many.csv")
    buf = io.BytesIO()  # an XLSX bomb: a small zip whose sheet would unpack to 210 MB
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for _ in range(21):
                f.write(b" " * (10 * MB))
    assert len(buf.getvalue()) < MAX_UPLOAD_BYTES
    with pytest.raises(GeodataError, match="bomb.xlsx: a workbook of 210 MB once unzipped; the limit is 200 MB"):
        read_upload(buf.getvalue(), "bomb.xlsx")


def test_streamlit_upload_limit_is_the_apps():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * MB == MAX_UPLOAD_BYTES  # Streamlit counts MB as 2**20 bytes
    app = (ROOT / "app.py").read_text()
    assert "max_upload_size=MAX_UPLOAD_BYTES // MB" in app and "1e6" not in app
    readme = " ".join((ROOT / "docs" / "using-the-map.md").read_text().split())
    assert f"up to {MAX_UPLOAD_BYTES // MB} MB" in readme
    assert f"{MAX_UPLOAD_ROWS:,} rows and {MAX_UPLOAD_COLUMNS} columns" in readme


def _app_with_upload(name: str, data: bytes):
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    # AppTest has no file-uploader driver: hand the app a file the way Streamlit does.
    at.session_state["upload"] = UploadedFile(UploadedFileRec("f1", name, "text/csv", data), None)
    at.run()
    return at


def test_app_says_what_is_wrong_with_a_bad_upload_and_keeps_the_map(tmp_path):
    at = _app_with_upload("mine.csv", _gzip_bomb(tmp_path / "bomb.csv").read_bytes())
    assert not at.exception
    # Shown as Markdown with every punctuation mark escaped (the file name is the viewer's text).
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.sidebar.error]
    assert errors == ["mine.csv: more than 20 MB once decompressed; the limit is 20 MB"]
    assert at.session_state["map_points"] and "Your file: mine.csv" not in at.session_state["map_points"]


def test_app_counts_every_uploaded_row_and_shows_the_warnings():
    at = _app_with_upload("mixed.csv", (CORPUS / "mixed_encoding.csv").read_bytes()
                          + (CORPUS / "mixed_encoding.csv").read_bytes().split(b"\n", 1)[1])
    assert not at.exception
    def plain(text):  # the sidebar escapes every punctuation mark for Markdown
        return re.sub(r"\\(.)", r"\1", text)

    assert any("mixed.csv: 4 rows; 2 in the range shown, 2 repeats of another row, 0 could not be shown"
               in plain(c.value) for c in at.sidebar.caption)
    assert plain(at.sidebar.warning[0].value).startswith("mixed encodings: read as UTF-8 except lines 3, 5")


def test_a_mapping_file_that_is_not_utf8_is_one_line(tmp_path, capsys):
    mapping = tmp_path / "m.toml"
    mapping.write_bytes(b"source_key = \"caf\xe9\"\n")
    status = main(["import", "incidents", str(CORPUS / "latin1.csv"), "--store", str(tmp_path / "s.geojson"),
                   "--mapping", str(mapping), "-q"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and f"{mapping}: not a readable TOML mapping" in err


# -- whatever the bytes: a table or one GeodataError ------------------------------------------------------


_PIECES = hs.sampled_from(['"', ",", ";", "\t", "|", "\n", "\r", "\r\n", "2026-01-07", "Minneapolis", "MN", "é",
                           "https://e.org/1", "\x00", "[", "{", "}", "]", ":", "null", "44.98", "-93.26", " "])
_HEADER = b"date,title,city,state,source_url\n"


_NOISE = hs.lists(_PIECES, max_size=4).map("".join)
_FIELDS = [hs.sampled_from(["2026-01-07", "1/8/2026", "2025"]), hs.sampled_from(["Raid", "Café", "A, B", '"x"']),
           hs.sampled_from(["Minneapolis", "Chicago"]), hs.sampled_from(["MN", "IL"]),
           hs.sampled_from(["https://e.org/1", "https://e.org/2"])]
_ROW = hs.tuples(*[hs.one_of(f, f, f, _NOISE) for f in _FIELDS]).map(",".join)
_ROWS = hs.lists(_ROW, max_size=12).map("\n".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=hs.one_of(hs.binary(max_size=300), hs.lists(_PIECES, max_size=60).map(lambda p: "".join(p).encode()),
                      _ROWS.map(str.encode), _ROWS.map(lambda t: t.encode("cp1252", "replace")),
                      _ROWS.map(lambda t: t.encode("utf-16"))),
       header=hs.booleans(), name=hs.sampled_from(["f.csv", "f.json", "f.geojson", "f.csv.gz", "f.txt"]))
def test_any_bytes_give_rows_accounted_for_or_one_clear_error(body, header, name):
    data = (_HEADER if header else b"") + body
    if name.endswith(".gz"):
        data = gzip.compress(data) if len(data) % 2 else data[:1] + b"\x1f\x8b" + data  # some are broken gzip
    try:
        shown, rejects = read_upload(data, name)
    except GeodataError as exc:
        assert str(exc).startswith(name) or str(exc).startswith(f"no row of {name} ")
        assert tempfile.gettempdir() not in str(exc)
        return
    told = shown.attrs
    assert len(shown) + told["merged"] + len(rejects) == told["rows"]


def test_broken_utf16_is_one_clear_error():
    with pytest.raises(GeodataError, match=r"^odd.csv: not valid UTF-16 text \(truncated data"):
        read_upload(b"\xff\xfe" + "date,title\n2026-01-07,x\n".encode("utf-16-le") + b"\x00", "odd.csv")
