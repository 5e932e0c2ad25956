"""The build-time KaTeX vendoring step, without the network."""
from __future__ import annotations

import pytest

from genocr.export import katex, vendor


def test_skips_when_already_vendored(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / katex.STAMP).write_text(katex.KATEX_VERSION + "\n")
    monkeypatch.setattr(vendor.subprocess, "run", lambda *a, **k: pytest.fail("npm must not run"))
    assert vendor.vendor_katex(tmp_path) == f"KaTeX {katex.KATEX_VERSION} already vendored in {tmp_path}"


def test_other_version_is_not_vendored(tmp_path) -> None:
    (tmp_path / katex.STAMP).write_text("0.15.0\n")
    assert not katex.vendored(tmp_path)


def test_without_npm_it_explains_and_writes_nothing(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vendor.shutil, "which", lambda name: None)
    message = vendor.vendor_katex(tmp_path / "katex")
    assert "npm not found" in message and "\n" not in message
    assert not (tmp_path / "katex").exists()
