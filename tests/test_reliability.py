"""Bad inputs found by hand and by fuzzing, each fed for real: one line, a non-zero exit, and a
batch that finishes what it can (issue 26's list; a fix without its input here is not a fix)."""
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from test_cli import genocr, one_line_error
from tests_helpers import text_image


def no_internal_error(proc) -> None:
    assert "internal error" not in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()


@pytest.mark.parametrize("box", ["0,0,inf,10", "0,0,1e309,10", "-inf,0,5,5", "nan,0,5,5"])
def test_boxes_that_are_not_finite(box: str, line_model: Path, png_path: Path) -> None:
    proc = genocr("read", str(png_path), "--model", str(line_model), f"--box={box}")
    one_line_error(proc, "finite numbers")
    assert proc.returncode == 2


def test_slivers_and_tiny_boxes_read_as_nothing(line_model: Path, tmp_path: Path) -> None:
    for size in [(1, 1), (1, 500), (2, 2), (500, 1)]:
        Image.new("RGB", size, "black").save(tmp_path / f"s{size[0]}x{size[1]}.png")
    text_image("abc", (400, 300)).save(tmp_path / "page.png")
    for args in ([str(tmp_path)], [str(tmp_path / "page.png"), "--box", "0,0,1,1"],
                 [str(tmp_path / "page.png"), "--box", "10,10,400,12"]):
        proc = genocr("read", *args, "--model", str(line_model))
        assert proc.returncode == 0, proc.stderr.decode()
        no_internal_error(proc)


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("model.safetensors", b"\x00" * 64, "safetensors"),
    ("config.json", b"[1, 2]", "config"),
    ("config.json", b'"text"', "config"),
    ("config.json", b'{"genocr_family": ["genocr_line"]}', "config"),
])
def test_broken_model_folders(name: str, content: bytes, fragment: str, line_model: Path, png_path: Path,
                              tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for f in line_model.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / name).write_bytes(content)
    proc = genocr("read", str(png_path), "--model", str(folder))
    one_line_error(proc, fragment)
    no_internal_error(proc)


def test_pixel_model_folder_and_device(tmp_path: Path, png_path: Path) -> None:
    folder = tmp_path / "pixel"
    folder.mkdir()
    (folder / "config.json").write_text("[]")
    (folder / "model.safetensors").write_bytes(b"\x00" * 64)
    for proc in (genocr("segment", str(png_path), "--model", str(folder), "--out", str(tmp_path / "o")),
                 genocr("erase", str(png_path), "--device", "cuda:7", "--out", str(tmp_path / "o"))):
        assert proc.returncode != 0
        no_internal_error(proc)


def test_a_file_name_that_is_not_utf8(line_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    text_image("abc").save(os.path.join(os.fsencode(folder), b"caf\xe9.png"))
    proc = genocr("read", str(folder), "--model", str(line_model), "--to", "json", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr.decode()
    (written,) = (tmp_path / "out").iterdir()
    assert json.loads(written.read_text(encoding="utf-8"))["source"].endswith("caf\ufffd.png")


def test_an_unwritable_output_does_not_stop_the_others(line_model: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a", "b"):
        text_image("abc").save(inputs / f"{name}.png")
    out = tmp_path / "out"
    (out / "a.txt").mkdir(parents=True)  # the output path of a.png is a folder
    proc = genocr("read", str(inputs), "--model", str(line_model), "--out", str(out), "--workers", "1")
    one_line_error(proc, "a.txt")
    assert proc.returncode == 1 and (out / "b.txt").is_file()
