"""atomic_write: the target holds the old or the new content, and no temp file is left behind."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from genocr.io import atomic_write


def test_writes_text_as_utf8_and_bytes_as_is(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.txt", "naïve ∑\n")
    atomic_write(str(tmp_path / "b.bin"), b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "naïve ∑\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.bin"]


def test_creates_parent_folders_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out" / "deep" / "result.md"
    atomic_write(target, "first")
    atomic_write(target, "second")
    assert target.read_text() == "second"
    assert os.listdir(target.parent) == ["result.md"]


def test_failed_replace_keeps_old_content_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "result.json"
    target.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["result.json"]


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_fsync(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "result.txt", "data")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_file_mode_is_not_the_temp_file_0600(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.txt"
        atomic_write(fresh, "x")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("x")
        kept.chmod(0o640)
        atomic_write(kept, "y")
        assert kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old_umask)
