import json
from pathlib import Path

import pytest

from genocr.errors import ModelError
from genocr.models import list_models, load_model
from genocr.models.registry import REGISTRY


def test_registry_lists_the_known_models_with_locations() -> None:
    names = [s.name for s in list_models()]
    assert names == sorted(names)
    assert {"genocr-small", "got-ocr2", "qwen2-vl-2b"} <= set(names)
    assert REGISTRY["got-ocr2"].location.startswith("hub:")
    assert not REGISTRY["got-ocr2"].present  # nothing is downloaded in tests


@pytest.mark.parametrize(("arg", "fragment"), [
    ("./no/such/folder", "unknown model './no/such/folder'"),
    ("no-such-model", "unknown model 'no-such-model'"),
    ("someone/some-model", "not on this machine and HF_HUB_OFFLINE is set"),
])
def test_missing_models_give_one_line_errors(arg: str, fragment: str) -> None:
    with pytest.raises(ModelError, match=fragment) as info:
        load_model(arg)
    assert "\n" not in str(info.value)


def test_folder_without_config_or_with_unknown_type(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a model folder"):
        load_model(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelError, match="model_type 'bert', which genocr cannot run"):
        load_model(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"genocr_family": "genocr-pixel"}))
    with pytest.raises(ModelError, match="pixel-level model: use genocr erase"):
        load_model(str(tmp_path))


def test_folder_with_config_but_no_weights(tmp_path: Path, tiny_got_dir: Path) -> None:
    (tmp_path / "config.json").write_text((tiny_got_dir / "config.json").read_text())
    with pytest.raises(ModelError, match="cannot load model"):
        load_model(str(tmp_path))


def test_unshipped_registered_model_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import genocr.models.registry as registry

    monkeypatch.setattr(registry, "WEIGHTS_DIR", tmp_path)  # a checkout without shipped weights
    assert not REGISTRY["genocr-small"].present
    with pytest.raises(ModelError, match="'genocr-small' is not installed"):
        load_model("genocr-small")
