"""The bench runner end to end on a tiny user folder, with a tiny GOT model and Tesseract."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from genocr.bench import metrics, runner
from genocr.bench.cli import bench_cli
from genocr.bench.report import fmt
from genocr.bench.scoring import normalize
from genocr.bench.systems import PEERS, Tesseract
from genocr.errors import ModelError, OptionError
from tests_helpers import text_image

TEXTS = ["Hello OCR 2.0", "General OCR Theory", "The quick brown fox"]


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    for i, text in enumerate(TEXTS):
        text_image(text, (360, 80)).resize((720, 160)).save(folder / f"line{i}.png")
        (folder / f"line{i}.txt").write_text(text)
    return folder


def test_runner_end_to_end(user_folder: Path, tiny_got_dir: Path, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(PEERS["rapidocr"], "missing", staticmethod(lambda: "not installed (test)"))
    peers = ["rapidocr"] + ([] if Tesseract.missing() else ["tesseract"])
    out = tmp_path / "results"
    rep = runner.run("text", models=[str(tiny_got_dir)], peers=peers, data=user_folder, out=out,
                     n_synthetic=0, cache=tmp_path / "cache", max_new_tokens=8)  # fmt: skip

    md = (out / "text.md").read_text()
    assert (out / "text.png").read_bytes().startswith(b"\x89PNG")
    assert "rapidocr skipped: not installed (test)" in rep.notes
    assert "- rapidocr skipped: not installed (test)" in md
    names = [s.name for s in rep.systems]
    assert names[0].startswith("genocr:") and len(names) == len(peers)  # the model, plus tesseract if present
    summary = md.split("## Per dataset")[0]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in summary.splitlines() if line.startswith("| ")}
    assert set(names) <= set(rows)

    for result in rep.results:
        assert [i.id for i in result.items] == ["line0", "line1", "line2"]
        cers = [metrics.cer(normalize(i.pred), normalize(i.gt)) for i in result.items]
        neds = [metrics.normalized_edit_distance(normalize(i.pred), normalize(i.gt)) for i in result.items]
        f1s = [metrics.ocr_scores(normalize(i.pred), normalize(i.gt))["f1"] for i in result.items]
        assert result.median("cer") == pytest.approx(statistics.median(cers))
        assert result.median("ned") == pytest.approx(statistics.median(neds))
        assert result.median("f1") == pytest.approx(statistics.median(f1s))
        assert f"| {fmt(statistics.median(neds))} |" in rows[result.system]
        assert all(i.seconds > 0 for i in result.items)
    model = next(r for r in rep.results if r.system == names[0])
    assert all(0 < i.extras["tokens"] <= 8 and i.extras["ttft"] > 0 for i in model.items)
    if len(names) == 1:
        pytest.skip("tesseract is not installed: only the genocr model was measured")


def test_bad_options_are_one_line_errors(user_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="unknown suite 'nope'"):
        runner.run("nope", peers=["tesseract"], data=user_folder)
    with pytest.raises(OptionError, match="data folder not found"):
        runner.run("text", peers=["tesseract"], data=tmp_path / "absent")
    with pytest.raises(OptionError, match="unknown peer 'abbyy'"):
        runner.run("text", peers=["abbyy"], data=user_folder)
    with pytest.raises(ModelError, match="unknown model"):
        runner.run("text", models=["no-such-model"], data=user_folder, n_synthetic=0)

    result = CliRunner().invoke(bench_cli, ["nope"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "genocr: error: unknown suite 'nope' (choose from text, formula, table, scene, chart, molecule, format, data, pixel, batch, typeset, boxes, reliability, serve)"
    ]


def test_missing_peer_is_a_note_not_a_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PEERS["osra"], "missing", staticmethod(lambda: "no osra binary"))
    notes: list[str] = []
    plan = runner.plan_systems(["m"], ["osra"], "cpu", None, notes)
    assert [spec for spec, _ in plan] == [{"model": "m", "device": "cpu", "max_new_tokens": None}]
    assert notes == ["osra skipped: no osra binary"]


def test_a_worker_s_peak_memory_is_its_own_not_its_starter_s() -> None:
    """Linux carries ru_maxrss over exec: a worker started by a 300 MiB runner read 300 MiB."""
    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"\1" * len(ballast[::4096])  # touched: resident
    code = "from genocr.bench.worker import peak_rss_mb; print(peak_rss_mb())"
    peak = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert 5 < peak < 200
    del ballast


def _states(pids: list[int], want: str) -> set[str]:
    """The processes' states (T: stopped), once they all read ``want`` or after 2 s: a signal
    is delivered after kill() returns."""
    for _ in range(40):
        states = {runner.proc_stat(p)[0] for p in pids}
        if states == {want}:
            break
        time.sleep(0.05)
    return states


def test_pause_stops_a_process_and_its_children_for_the_run_then_continues_them() -> None:
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys, time; subprocess.Popen(['sleep', '30']); time.sleep(30)"])
    try:
        for _ in range(100):  # wait for the child
            children = runner._descendants(parent.pid)[1:]
            if children:
                break
            time.sleep(0.05)
        assert children
        with runner.paused([parent.pid]):
            assert _states([parent.pid, *children], "T") == {"T"}
        assert "T" not in _states([parent.pid, *children], "S")
        with pytest.raises(OptionError, match="not a process to stop"):
            with runner.paused([os.getpid()]):
                pass
    finally:
        for p in reversed(runner._descendants(parent.pid)):
            os.kill(p, 9)
        parent.wait()
