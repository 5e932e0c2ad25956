"""genocr-small's format decoder: LaTeX tokens, cached decoding, and what the reader does with it."""
from pathlib import Path

import pytest
import torch

from genocr import OCR
from genocr.models.format_net import (BOS, FormatConfig, FormatNet, LatexTokenizer, batch_elements, element_array,
                                      save_format_model)
from genocr.models.line import LineConfig
from genocr.models.line_net import LineNet, save_line_model
from genocr.predict.checks import check_formula, check_table
from tests_helpers import text_image


def test_latex_tokens_are_commands_not_bytes() -> None:
    split = LatexTokenizer.split
    assert split(r"\frac{a}{b}  +  \alpha_1", math=True) == ["\\frac", "{", "a", "}", "{", "b", "}", "+", "\\alpha", "_", "1"]
    assert split(r"\cdot x", math=True) == ["\\cdot", " ", "x"]  # the space LaTeX needs stays
    assert split("\\begin{tabular}{lc}\nA b & c \\\\\n\\end{tabular}")[:6] == ["\\begin{tabular}", "{", "l", "c", "}", "\n"]
    tok = LatexTokenizer.build([r"\frac{a}{b}", r"\frac{c}{d}"])
    assert "\\frac" in tok.vocab and tok.decode(tok.encode(r"\frac{a}{b}")) == r"\frac{a}{b}"
    assert tok.decode(tok.encode(r"\frac{x}{y} \zeta")).startswith(r"\frac{x}{y}")  # unknown: <unk>, dropped


def tiny(vocab: list[str]) -> FormatNet:
    torch.manual_seed(0)
    return FormatNet(FormatConfig(channels=(8, 8, 16, 16), dim=32, layers=2, heads=2, max_tokens=12, vocab=vocab)).eval()


def test_cached_decoding_matches_teacher_forcing() -> None:
    """Step by step with cached keys gives the logits the whole sequence gives at once."""
    net = tiny(LatexTokenizer.build([r"\frac{a}{b}+c"] * 2).vocab)
    views = batch_elements([element_array(text_image("a+b", (160, 48)), 14, 512)])
    ids = torch.tensor([[BOS, 5, 9, 7, 11]])
    with torch.no_grad():
        whole = net(views, ids)
        memory = net.memory(views)
        kvs = [layer.cross.keys(memory) for layer in net.layers]
        caches: list[list[torch.Tensor]] = [[] for _ in net.layers]
        for step in range(ids.shape[1]):
            x = net._tokens(ids[:, step : step + 1], step)
            for layer, kv, cache in zip(net.layers, kvs, caches):
                x = layer(x, kv, cache)
            assert torch.allclose(net._logits(x[:, -1]), whole[:, step], atol=1e-4)


def test_checks_flag_what_does_not_hold() -> None:
    assert check_formula(r"\frac{a}{b}") is None and "left open" in check_formula(r"\frac{a}{b")
    good = "\\begin{tabular}{|c|c|}\n\\hline\na & b \\\\\n\\multicolumn{2}{|c|}{c} \\\\\n\\end{tabular}"
    assert check_table(good) is None
    assert "spans 3 columns" in check_table(good.replace("a & b", "a & b & x"))


def test_the_reader_answers_format_with_a_checked_block(tmp_path: Path) -> None:
    torch.manual_seed(0)
    line = LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2}))
    save_line_model(line, tmp_path / "m")
    with pytest.raises(Exception, match="--task format"):
        OCR.refuse_early(str(tmp_path / "m"), task="format")
    net = tiny(LatexTokenizer.build([r"\frac{a}{b}"] * 2).vocab)
    net.trunk.load_state_dict(line.trunk.state_dict())
    save_format_model(net, tmp_path / "m")
    OCR.refuse_early(str(tmp_path / "m"), task="format")  # now served
    result = OCR.load(str(tmp_path / "m")).read(text_image("x", (120, 48)), task="format")
    (block,) = result.pages[0].blocks
    assert result.output_format == "markdown" and block.kind in ("formula", "table")
    assert block.valid == (block.reason == "")
    assert any(n.startswith("format: ") for n in result.notes)  # a whole page read as one element says so


def test_a_crop_the_layout_found_a_table_starts_as_one(tmp_path: Path) -> None:
    """The decoder is told what the layout knows: a forced start, then its own tokens."""
    from genocr.predict.checks import TABLE_START

    tok = LatexTokenizer.build([r"\frac{a}{b}"] * 2 + ["\\begin{tabular}{c}\na \\\\\n\\end{tabular}"] * 2)
    net = tiny(tok.vocab)
    views = batch_elements([element_array(text_image("a+b", (160, 48)), 14, 512)])
    free, = net.generate(views)
    prefix = tok.encode(TABLE_START)
    forced, = net.generate(views, prefix=prefix)
    assert forced[: len(prefix)] == prefix and free[: len(prefix)] != prefix
    line = LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2}))
    save_line_model(line, tmp_path / "m")
    net.trunk.load_state_dict(line.trunk.state_dict())
    save_format_model(net, tmp_path / "m")
    model = OCR.load(str(tmp_path / "m")).model
    assert model.read_element(text_image("x", (120, 48)), "table")[0].startswith(TABLE_START)
    assert not model.read_element(text_image("x", (120, 48)))[0].startswith(TABLE_START)
