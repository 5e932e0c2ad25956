"""Many documents from the command line: worker processes, resuming, progress off a terminal,
and the start-up work a plain command avoids."""
import io
import subprocess
import sys
from pathlib import Path

import pytest

from genocr.progress import Progress
from test_cli import genocr, one_line_error
from tests_helpers import text_image


def test_a_folder_reads_on_two_workers_past_a_bad_file_then_resumes(line_model: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(3):
        text_image("abc", (300, 200)).save(inputs / f"p{i}.png")
    (inputs / "broken.png").write_bytes(b"\x89PNG not really")
    out = tmp_path / "out"
    proc = genocr("read", str(inputs), "--model", str(line_model), "--out", str(out), "--workers", "2")
    one_line_error(proc, "broken.png")
    assert proc.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["p0.txt", "p1.txt", "p2.txt"]
    (out / "p1.txt").unlink()
    again = genocr("read", str(inputs / "p0.png"), str(inputs / "p1.png"), "--model", str(line_model),
                   "--out", str(out), "--skip-existing")
    assert again.returncode == 0, again.stderr.decode()
    assert "skipping 1 input" in again.stderr.decode() and (out / "p1.txt").is_file()


def test_options_a_model_cannot_serve_fail_before_loading(line_model: Path, png_path: Path) -> None:
    proc = genocr("read", str(png_path), "--model", str(line_model), "--task", "format")
    one_line_error(proc, "does not support formatted output")
    assert proc.returncode == 2
    one_line_error(genocr("read", str(png_path), "--skip-existing"), "--skip-existing needs --out")


def test_progress_off_a_terminal_is_plain_lines() -> None:
    out = io.StringIO()
    with Progress(4, "page", "reading", every=0.0, file=out) as bar:
        bar.update(1)
        bar.update(3)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("reading: 1/4 pages,") and "s left" in lines[0]
    assert lines[-1].startswith("reading: 4/4 pages,") and "\r" not in out.getvalue()


def test_help_and_models_import_no_torch() -> None:
    code = ("import sys\nfrom click.testing import CliRunner\nfrom genocr.cli import main\n"
            "for args in (['--help'], ['models'], ['bench', '--help']):\n"
            "    assert CliRunner().invoke(main, args).exit_code == 0, args\n"
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr
