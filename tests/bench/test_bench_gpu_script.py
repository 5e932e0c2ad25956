"""bench/gpu_got_decode.py imports, shows its help, and refuses cleanly without CUDA."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gpu_got_decode.py"


@pytest.fixture
def script():
    spec = importlib.util.spec_from_file_location("gpu_got_decode", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_help(script, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--help"])
    assert exit_info.value.code == 0
    assert "--new-tokens" in capsys.readouterr().out


def test_refuses_without_cuda(script, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(script.torch.cuda, "is_available", lambda: False)
    assert script.main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        "gpu_got_decode: error: no CUDA device; this script only measures GPU decoding"
    ]


def test_full_size_architecture_is_counted_on_meta(script) -> None:
    total, decoder = script.count_params(script.build_config())
    assert total == 560_528_640 and decoder == 463_909_888  # GOT-OCR2.0's 560M, its Qwen decoder tied
