"""The command line as a reporter meets it (issue 19): bad AORs, the summary, file modes, folders,
bundle folders, month dates and one rejects file per run."""

from __future__ import annotations

import csv
import json
import os

import pytest

from geodata.cli import main

BASE = {"date": "2026-01-10", "title": "An event", "city": "Minneapolis", "state": "MN", "category": "protest",
        "source_url": "https://example.org/a"}


def _write_csv(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_export_unknown_aor_exits_2_with_one_line(tmp_path, capsys):
    out = tmp_path / "x.geojson"
    assert main(["export", "--aor", "XYZ", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown AOR 'XYZ'" in err and "SPM" in err
    assert not out.exists()


def test_export_known_aor_in_lower_case_is_kept(tmp_path, capsys):
    out = tmp_path / "x.geojson"
    assert main(["export", "--aor", "spm", "--layer", "facilities", "-o", str(out)]) == 0
    fc = json.loads(out.read_text())
    assert fc["features"] and {f["properties"]["aor"] for f in fc["features"]} == {"SPM"}


def test_export_summary_counts_only_what_is_written(tmp_path, capsys):
    out = tmp_path / "all.geojson"
    assert main(["export", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    fc = json.loads(out.read_text())
    n_fac = sum(f["properties"]["layer"] == "facility" for f in fc["features"])
    n_inc = sum(f["properties"]["layer"] == "incident" for f in fc["features"])
    assert f"wrote {len(fc['features'])} features" in err
    assert f"({n_fac} facilities, {n_inc} incidents" in err
    # The facility without a place is said to be left out, not counted as written.
    assert "without a place, not written" in err


def test_export_file_mode_follows_the_umask(tmp_path):
    out = tmp_path / "x.csv"
    old = os.umask(0o022)
    try:
        assert main(["export", "--layer", "facilities", "-o", str(out)]) == 0
        assert out.stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        assert main(["export", "--layer", "facilities", "-o", str(out)]) == 0
        assert out.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_export_into_a_missing_folder_is_refused(tmp_path, capsys):
    target = tmp_path / "nonexistent" / "dir" / "x.geojson"
    assert main(["export", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize("where", ["folder", "missing", "file"])
def test_export_data_not_a_bundle_is_one_clear_line(tmp_path, capsys, where):
    data = {"folder": tmp_path, "missing": tmp_path / "nope", "file": tmp_path / "f.txt"}[where]
    if where == "file":
        data.write_text("x")
    assert main(["export", "--data", str(data), "-o", str(tmp_path / "x.geojson")]) == 2
    err = capsys.readouterr().err
    assert "not a bundle folder" in err and "Errno" not in err and err.count("\n") == 1


def test_export_month_dates_mean_the_whole_month(tmp_path, capsys):
    month = tmp_path / "month.csv"
    days = tmp_path / "days.csv"
    assert main(["export", "--start", "2026-01", "--end", "2026-01", "-o", str(month)]) == 0
    assert "dates 2026-01-01 to 2026-01-31" in capsys.readouterr().err
    assert main(["export", "--start", "2026-01-01", "--end", "2026-01-31", "-o", str(days)]) == 0
    assert month.read_bytes() == days.read_bytes()


def test_export_bad_month_is_refused_by_argparse(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--start", "2026-13", "-o", str(tmp_path / "x.csv")])
    assert exc.value.code == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_import_incidents_keeps_each_runs_rejects(tmp_path, capsys):
    src = _write_csv(tmp_path / "in.csv", [dict(BASE), dict(BASE, title="first bad", source_url="")])
    store = tmp_path / "s.geojson"
    assert main(["import", "incidents", str(src), "--store", str(store), "-q"]) == 0
    src2 = _write_csv(tmp_path / "in2.csv", [dict(BASE, title="second bad", source_url="")])
    assert main(["import", "incidents", str(src2), "--store", str(store), "-q"]) == 0
    err = capsys.readouterr().err
    first = list(csv.DictReader(open(tmp_path / "s.rejects.csv")))
    second = list(csv.DictReader(open(tmp_path / "s.rejects.2.csv")))
    assert [r["title"] for r in first] == ["first bad"] and [r["title"] for r in second] == ["second bad"]
    assert "s.rejects.2.csv" in err


def test_import_incidents_refuses_an_existing_rejects_file(tmp_path, capsys):
    src = _write_csv(tmp_path / "in.csv", [dict(BASE)])
    named = tmp_path / "mine.csv"
    named.write_text("keep me")
    store = tmp_path / "s.geojson"
    assert main(["import", "incidents", str(src), "--store", str(store), "--rejects", str(named), "-q"]) == 2
    assert named.read_text() == "keep me" and not store.exists()
    assert "exists" in capsys.readouterr().err


def test_export_says_the_view_and_what_each_layer_covers(tmp_path):
    out = tmp_path / "x.geojson"
    assert main(["export", "--start", "2026-02", "--aor", "SPM", "-o", str(out)]) == 0
    meta = json.loads(out.read_text())["metadata"]
    assert meta["view"] == {"start": "2026-02-01", "aor": "SPM"}
    assert meta["data_as_of"]["population"]["last"] == "2026-03-10"
    assert meta["data_as_of"]["facility_list"]["last"] == "2026-04-02"
    assert meta["data_as_of"]["incidents"] == {"first": "2003-10-07", "last": "2026-01-31"}
