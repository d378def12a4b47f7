"""Popup shards: written once per digest, whole or not at all."""

from __future__ import annotations

import json

import pytest

from geodata.shards import COMPLETE, write_file, write_shards


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
