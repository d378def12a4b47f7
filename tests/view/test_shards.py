"""Popup shards: written once per digest, whole or not at all."""

from __future__ import annotations

import json

import pytest

from geodata.view.shards import COMPLETE, write_file, write_shards


def test_shards_are_written_once_and_completely(tmp_path):
    folder = write_shards(tmp_path / "abc", [(0, b'{"fields":[]}'), (1, b'{"fields":[1]}')])
    assert sorted(p.name for p in folder.iterdir()) == ["0.json", "1.json", COMPLETE]
    assert json.loads((folder / "1.json").read_bytes()) == {"fields": [1]}
    # Already complete: the shards are not made again (the generator is never read).
    def never():
        raise AssertionError("shards made again")
        yield

    write_shards(folder, never())
    assert (folder / "1.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["abc"]  # no temporary folder left


def test_an_interrupted_write_leaves_no_half_folder(tmp_path):
    def broken():
        yield 0, b"{}"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_shards(tmp_path / "abc", broken())
    assert list(tmp_path.iterdir()) == []
    # An earlier copy without its marker (a killed process) is replaced by a complete one.
    (tmp_path / "abc").mkdir()
    (tmp_path / "abc" / "0.json").write_bytes(b"{half")
    folder = write_shards(tmp_path / "abc", [(0, b"{}")])
    assert (folder / "0.json").read_bytes() == b"{}" and (folder / COMPLETE).exists()


def test_a_points_file_is_written_once_under_its_name(tmp_path):
    path = write_file(tmp_path, "abc.bin", b"\x01\x02")
    assert path == tmp_path / "abc.bin" and path.read_bytes() == b"\x01\x02"
    write_file(tmp_path, "abc.bin", b"other")  # the name says the bytes: not written again
    assert path.read_bytes() == b"\x01\x02"
    assert [p.name for p in tmp_path.iterdir()] == ["abc.bin"]  # no temporary file left
    for bad in ("../x.bin", ".hidden", "a/b.bin"):
        with pytest.raises(ValueError, match="plain file name"):
            write_file(tmp_path, bad, b"")


def test_prune_removes_what_no_map_used_for_a_week_and_keeps_what_is_in_use(tmp_path):
    import os
    import time

    from geodata.view.shards import KEEP_SECONDS, prune, write_file, write_shards

    now = time.time()
    old_folder = write_shards(tmp_path / "old", [(0, b"{}")])
    used_folder = write_shards(tmp_path / "used", [(0, b"{}")])
    old_file = write_file(tmp_path, "a" * 20 + ".bin", b"x")
    new_file = write_file(tmp_path, "b" * 20 + ".bin", b"y")
    dead_tmp = tmp_path / ".c.123.tmp"
    dead_tmp.mkdir()
    week_ago = now - KEEP_SECONDS - 60
    for path in (old_folder, used_folder, old_file, dead_tmp):
        os.utime(path, (week_ago, week_ago))
    # The app builds a map with "used" again: it is touched, so it stays.
    write_shards(tmp_path / "used", [(0, b"{}")])
    removed = prune(tmp_path, now=now)
    assert sorted(p.name for p in removed) == sorted([old_folder.name, old_file.name, dead_tmp.name])
    assert used_folder.exists() and (used_folder / "0.json").exists() and new_file.exists()
    assert not old_folder.exists() and not old_file.exists() and not dead_tmp.exists()
    assert prune(tmp_path, now=now) == []  # nothing else is old
