"""The `genocr` command end to end, in a subprocess as a user runs it, with a tiny local model."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests_helpers import text_image


def genocr(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "genocr.cli", *args], input=stdin, capture_output=True,
                          env=env, timeout=300)


def genocr_in_process(*args: str) -> subprocess.CompletedProcess:
    """The same command run in this process (faster: no torch import per call)."""
    from click.testing import CliRunner

    from genocr.cli import main

    result = CliRunner().invoke(main, list(args))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout_bytes, result.stderr_bytes)


def one_line_error(proc: subprocess.CompletedProcess, fragment: str) -> None:
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("genocr: error:")]
    assert lines and any(fragment in line for line in lines), err


@pytest.mark.parametrize("fmt", ["txt", "md", "json", "html"])
def test_read_png_and_pdf_to_every_format(fmt: str, tiny_got_dir: Path, png_path: Path, pdf3_path: Path,
                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = genocr("read", str(png_path), str(pdf3_path), "--model", str(tiny_got_dir), "--to", fmt,
                  "--out", str(out), "--max-new-tokens", "8", "--dpi", "72")
    assert proc.returncode == 0, proc.stderr.decode()
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([f"hello.{fmt}", f"three.{fmt}"])  # nothing half-written left beside them
    text = (out / f"three.{fmt}").read_text()
    if fmt == "json":
        data = json.loads(text)
        assert [p["pages"] for p in data["pages"]] == [[1], [2], [3]]
        assert data["model"] == tiny_got_dir.name and data["task"] == "plain"
    elif fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html") and text.count("<section") >= 3


def test_read_prints_to_stdout_and_reads_stdin(tiny_got_dir: Path, png_path: Path) -> None:
    proc = genocr("read", "-", "--model", str(tiny_got_dir), "--to", "json", "--max-new-tokens", "4",
                  stdin=png_path.read_bytes())
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["source"] == "-"


def test_stream_prints_tokens(talkative_got_dir: Path, png_path: Path) -> None:
    proc = genocr("read", str(png_path), "--model", str(talkative_got_dir), "--stream", "--max-new-tokens", "6")
    assert proc.returncode == 0, proc.stderr.decode()
    streamed, printed = proc.stderr.decode().strip(), proc.stdout.decode().strip()
    assert printed and streamed.endswith(printed)  # tokens on stderr as decoded, the result on stdout


def test_batch_carries_on_past_a_bad_file(tiny_got_dir: Path, png_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(png_path.read_bytes()[:60])
    out = tmp_path / "out"
    proc = genocr("read", str(bad), str(png_path), "--model", str(tiny_got_dir), "--out", str(out),
                  "--max-new-tokens", "4")
    one_line_error(proc, "broken.png")
    assert proc.returncode == 1
    assert [p.name for p in out.iterdir()] == ["hello.txt"]


@pytest.mark.parametrize(("args", "fragment"), [
    (["--box", "10,10,5,5"], "x2 must exceed x1"),
    (["--box", "0,0,9999,50"], "lies outside"),
    (["--color", "purple"], "purple"),
    (["--pages", "3-1"], "runs backwards"),
    (["--pages", "2"], "out of range"),
    (["--tiles", "lots"], "tiles must be"),
    (["--bogus"], "No such option"),
    (["--device", "tpu"], "device"),
    (["--tiles", "4", "--multi-page"], "cannot be combined"),
])
def test_bad_options_fail_in_one_line(args: list[str], fragment: str, tiny_got_dir: Path, png_path: Path) -> None:
    one_line_error(genocr_in_process("read", str(png_path), "--model", str(tiny_got_dir), *args), fragment)


def test_bad_inputs_fail_in_one_line(tiny_got_dir: Path, tmp_path: Path) -> None:
    one_line_error(genocr_in_process("read", str(tmp_path / "missing.png"), "--model", str(tiny_got_dir)),
                   "missing.png")
    empty = tmp_path / "empty.pdf"
    import pypdfium2 as pdfium

    pdfium.PdfDocument.new().save(empty)
    one_line_error(genocr_in_process("read", str(empty), "--model", str(tiny_got_dir)), "no pages")
    one_line_error(genocr_in_process("read", str(empty), "--model", str(tmp_path / "nomodel")), "unknown model")


def test_models_lists_registry() -> None:
    proc = genocr_in_process("models")
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split()[:4] == ["name", "family", "present", "weights"]
    assert any(line.startswith("got-ocr2 ") for line in lines)


def test_help_teaches_with_examples() -> None:
    out = genocr_in_process("read", "--help").stdout.decode()
    assert "Examples:" in out and "--box" in out and "--tiles" in out


def test_multi_page_reads_all_inputs_as_one_document(tiny_got_dir: Path, png_path: Path, pdf3_path: Path) -> None:
    proc = genocr("read", str(png_path), str(pdf3_path), "--multi-page", "--task", "format", "--to", "json",
                  "--model", str(tiny_got_dir), "--max-new-tokens", "4", "--dpi", "72")
    assert proc.returncode == 0, proc.stderr.decode()
    assert [p["pages"] for p in json.loads(proc.stdout)["pages"]] == [[1, 2, 3, 4]]


def test_the_shipped_model_reads_a_printed_page_by_default(tmp_path: Path) -> None:
    """`genocr read page.png` with no --model: the genocr-small shipped in the repo, offline."""
    from PIL import Image, ImageDraw, ImageFont

    from genocr.bench.metrics import cer
    from tests_helpers import FONT

    lines = ["The quick brown fox jumps over", "a lazy dog near the river bank.", "Printed pages are read line by line."]
    page = Image.new("RGB", (900, 260), "white")
    for i, line in enumerate(lines):
        ImageDraw.Draw(page).text((40, 30 + 70 * i), line, font=ImageFont.truetype(FONT, 30), fill="black")
    page.save(tmp_path / "page.png")
    proc = genocr("read", str(tmp_path / "page.png"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert cer(proc.stdout.decode().strip(), "\n".join(lines)) < 0.1, proc.stdout.decode()
