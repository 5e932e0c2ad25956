"""The data engine: reproducible shards, the reader, the training stream, sheets and the CLI."""
from __future__ import annotations

import hashlib
import json
import tarfile

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from torch.utils.data import DataLoader

from genocr.data.cli import data_cli
from genocr.data.dataset import SyntheticStream
from genocr.data.engine import generate, make
from genocr.data.sample import KINDS, Sample
from genocr.data.shards import read_shards
from genocr.data.sheet import contact_sheet
from genocr.errors import InputError, OptionError


def _files(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_gives_identical_bytes_for_any_worker_count(tmp_path):
    make("slice", 10, 7, tmp_path / "a", workers=1, shard_size=4, progress=False)
    make("slice", 10, 7, tmp_path / "b", workers=2, shard_size=4, progress=False)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == ["manifest.json", "slice-7-00000.tar", "slice-7-00001.tar", "slice-7-00002.tar"]
    assert a == b
    make("slice", 10, 8, tmp_path / "c", shard_size=4, progress=False)
    assert _files(tmp_path / "c")["slice-8-00000.tar"] != a["slice-7-00000.tar"]


def test_manifest_and_tar_metadata(tmp_path):
    manifest = make("slice", 5, 1, tmp_path, shard_size=3, progress=False)
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    assert [s["samples"] for s in manifest["shards"]] == [3, 2]
    assert manifest["kind"] == "slice" and manifest["n"] == 5 and manifest["generator_version"]
    for shard in manifest["shards"]:
        path = tmp_path / shard["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == shard["sha256"]
        with tarfile.open(path) as tar:
            members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names)
        assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and not m.uname for m in members)
        assert {n.split(".", 1)[1] for n in names} == {"png", "txt", "json"}
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def _tiny(rng: np.random.Generator) -> Sample:
    pages = [Image.fromarray(rng.integers(0, 255, (8, 6, 3), dtype=np.uint8)) for _ in range(3)]
    mask = Image.fromarray((rng.random((8, 6)) > 0.5).astype(np.uint8) * 255)
    return Sample("tiny", pages, "a\fb\fc", "multi-page", {"box": [1, 2, 3, 4], "t": "文字"}, {"mask": mask})


def test_reader_round_trip(tmp_path, monkeypatch):
    monkeypatch.setitem(KINDS, "tiny", _tiny)
    make("tiny", 4, 0, tmp_path, shard_size=3, progress=False)
    got = list(read_shards(tmp_path))
    assert len(got) == 4
    assert len(list(read_shards(tmp_path / "tiny-0-00001.tar"))) == 1
    for i, s in enumerate(got):
        want = generate("tiny", 0, i)
        assert (s.kind, s.task, s.target, s.meta) == (want.kind, want.task, want.target, want.meta)
        assert [np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(s.images, want.images)] == [True] * 3
        assert s.extra_images["mask"].mode == "L"
        assert np.array_equal(np.asarray(s.extra_images["mask"]), np.asarray(want.extra_images["mask"]))


def test_stream_matches_written_samples_and_splits_across_workers():
    stream = SyntheticStream({"slice": 1.0}, seed=5)
    first = [s.target for _, s in zip(range(4), stream)]
    assert first == [generate("slice", 5, i).target for i in range(4)]
    loader = DataLoader(stream, batch_size=None, num_workers=2, multiprocessing_context="forkserver")
    assert [s.target for _, s in zip(range(4), loader)] == first


def test_stream_mixes_kinds_by_weight():
    stream = SyntheticStream({"slice": 3.0, "scene": 1.0}, seed=0)
    picks = [stream.kind_at(j) for j in range(400)]
    assert 0.65 < picks.count("slice") / 400 < 0.85
    with pytest.raises(OptionError):
        SyntheticStream({"slice": 0.0})


def test_unknown_kind_lists_kinds(tmp_path):
    with pytest.raises(OptionError, match="slice") as err:
        make("nope", 1, 0, tmp_path)
    assert "\n" not in str(err.value)
    with pytest.raises(OptionError):
        SyntheticStream({"nope": 1.0})


def test_contact_sheet(tmp_path):
    samples = [generate("slice", 0, i) for i in range(5)]
    path = contact_sheet(samples, tmp_path / "sheet.png", cols=2)
    with Image.open(path) as img:
        assert img.format == "PNG" and img.width > 300 and img.height > 3 * 240


def test_cli(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(data_cli, ["make", "--kind", "nope", "--n", "2", "--out", str(tmp_path / "x")])
    assert isinstance(bad.exception, OptionError) and "page" in str(bad.exception)
    out = tmp_path / "ds"
    ok = runner.invoke(data_cli, ["make", "--kind", "slice", "--n", "3", "--seed", "2", "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert (out / "slice-2-00000.tar").exists()
    shown = runner.invoke(data_cli, ["show", str(out), "--n", "2", "--out", str(tmp_path / "s.png")])
    assert shown.exit_code == 0 and (tmp_path / "s.png").exists()
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(data_cli, ["show", str(tmp_path / "empty")])
    assert isinstance(empty.exception, InputError)
    assert "slice" in runner.invoke(data_cli, ["kinds"]).output
