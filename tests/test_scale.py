"""genocr.scale on a real local Dask cluster (two worker processes on loopback)."""
import subprocess
import sys
from pathlib import Path

import pytest

from genocr import OCR
from genocr.export import render
from genocr.models.line import LineConfig
from genocr.models.line_net import LineNet, save_line_model
from tests_helpers import text_image

pytest.importorskip("distributed")


def test_reads_on_two_workers_like_the_local_reader_and_resumes(tmp_path: Path) -> None:
    from genocr.scale import read_files

    save_line_model(LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2,
                                                  "alphabet": "abc "})), tmp_path / "m")
    paths = []
    for i in range(3):
        path = tmp_path / "in" / f"p{i}.png"
        path.parent.mkdir(exist_ok=True)
        text_image("abc " * (i + 1), (400, 300)).save(path)
        paths.append(path)
    (tmp_path / "in" / "bad.png").write_bytes(b"not an image")
    report = read_files([*paths, tmp_path / "in" / "bad.png"], tmp_path / "out", model=str(tmp_path / "m"), workers=2)
    assert sorted(Path(p).name for p in report.written) == ["p0.png", "p1.png", "p2.png"]
    assert list(report.failed) == [str(tmp_path / "in" / "bad.png")] and report.pages == 3
    local = OCR.load(str(tmp_path / "m"))
    for path in paths:
        assert (tmp_path / "out" / f"{path.stem}.txt").read_text() == render(local.read(path), "txt")
    again = read_files(paths, tmp_path / "out", model=str(tmp_path / "m"), workers=2, skip_existing=True)
    assert len(again.skipped) == 3 and not again.written


def test_a_script_read_from_standard_input_starts_its_workers(tmp_path: Path) -> None:
    """``python - <<EOF`` (as the README's example runs): spawned workers cannot run that script
    again by its path, and must not try."""
    save_line_model(LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2,
                                                  "alphabet": "abc "})), tmp_path / "m")
    text_image("abc abc", (400, 300)).save(tmp_path / "p.png")
    script = (f"from genocr.scale import read_files\n"
              f"r = read_files([{str(tmp_path / 'p.png')!r}], {str(tmp_path / 'out')!r}, model={str(tmp_path / 'm')!r}, workers=1)\n"
              f"print(len(r.written))\n")
    proc = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "1", proc.stderr[-2000:]
