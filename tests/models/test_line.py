"""genocr-small v2: the convolutional line reader, its folder format and its reading."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from genocr import OCR
from genocr.errors import InputError, ModelError, OptionError
from genocr.models.line import LineConfig, ctc_decode, line_array
from genocr.models.line_net import LineNet, batch_tensor, export_onnx, load_line_net, save_line_model
from tests_helpers import text_image

TINY = {"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2, "upsample": 2}


def tiny(alphabet: str = "abc ") -> LineNet:
    torch.manual_seed(0)
    return LineNet(LineConfig.from_dict({**TINY, "alphabet": alphabet})).eval()


def test_steps_follow_each_view_width_not_the_padding() -> None:
    net = tiny()
    views, widths = batch_tensor([np.zeros((32, 40), np.float32), np.zeros((32, 160), np.float32)])
    assert views.shape == (2, 1, 32, 160) and widths.tolist() == [40, 160]
    log_probs, steps = net(views, widths)
    assert log_probs.shape == (2, 160 // 8 * 2, 5)  # 2 steps per 8-px column; alphabet + blank
    assert steps.tolist() == [10, 40]


def test_decoding_merges_repeats_and_drops_blanks() -> None:
    blank, a, b = 2, 0, 1
    path = [a, a, blank, a, b, b, blank, blank]
    log_probs = np.full((1, len(path), 3), -20.0, np.float32)
    log_probs[0, np.arange(len(path)), path] = np.log(0.5)
    (reading,) = ctc_decode(log_probs, np.array([len(path)]), "ab")
    assert reading.text == "aab" and reading.confidence == pytest.approx(0.5)
    assert [(c, a, b) for c, a, b, _ in reading.spans] == [("a", 0, 1), ("a", 3, 3), ("b", 4, 5)]
    (cut,) = ctc_decode(log_probs, np.array([4]), "ab")  # steps past a view's width are ignored
    assert cut.text == "aa"


def test_decoding_sums_alignments_where_two_letters_are_likely() -> None:
    """An "i" whose last step is "l" at 0.44 and "i" at 0.43: greedy reads "ill", but the
    alignments that spell "il" hold more (0.43 + 0.13), and "il" is read."""
    i, l, blank = 0, 1, 2
    steps = [{i: 1.0}, {i: 1.0}, {l: 0.44, i: 0.43, blank: 0.13}, {blank: 1.0}, {l: 1.0}, {blank: 1.0}]
    log_probs = _log_probs(steps, 3)
    greedy = "".join("il_"[k] for k in log_probs[0].argmax(-1))
    assert greedy == "iil_l_"  # which merges to "ill"
    (reading,) = ctc_decode(log_probs, np.array([len(steps)]), "il")
    assert reading.text == "il"
    assert [(c, a, b) for c, a, b, _ in reading.spans] == [("i", 0, 2), ("l", 4, 4)]
    assert reading.confidence == pytest.approx(1.0)


def _log_probs(steps: list[dict[int, float]], labels: int) -> np.ndarray:
    log_probs = np.full((1, len(steps), labels), np.log(1e-6), np.float32)
    for t, step in enumerate(steps):
        for k, p in step.items():
            log_probs[0, t, k] = np.log(p)
    return log_probs


@pytest.mark.parametrize(("middle", "text"), [(0.49, "al"), (0.05, "all")])
def test_a_blank_between_two_runs_of_a_letter_is_weighed_against_holding_it_on(middle: float, text: str) -> None:
    """Run 11's "alllexport": the blank at 0.51 and "l" at 0.49 between two runs of "l". Greedy
    reads the letter twice; the alignments that hold one "l" on hold 0.49 + 0.51 x 0.19 against
    0.51 x 0.81. Where the letter is unlikely there, it stays two letters."""
    a, l, blank = 0, 1, 2
    steps = [{a: 1.0}, {blank: 1.0}, {l: 1.0}, {blank: 1 - middle, l: middle}, {l: 0.81, blank: 0.19}, {blank: 1.0}]
    (reading,) = ctc_decode(_log_probs(steps, 3), np.array([len(steps)]), "al")
    assert reading.text == text


def test_a_long_unsure_stretch_is_decoded_without_underflow() -> None:
    """700 steps where two letters and the blank are all likely: every alignment's probability
    is far below the smallest float, and a labelling is still chosen."""
    log_probs = np.log(np.tile(np.array([0.34, 0.33, 0.33], np.float32), (1, 700, 1)))
    (reading,) = ctc_decode(log_probs, np.array([700]), "ab")
    assert set(reading.text) <= {"a", "b"} and len(reading.text) >= 200
    assert all(first <= last for _, first, last, _ in reading.spans)


def test_views_are_normalised_to_dark_ink_on_light_paper() -> None:
    dark_on_light = text_image("Hello", (200, 40))
    light_on_dark = ImageOps.invert(dark_on_light)
    a, b = line_array(dark_on_light, 32, 4096), line_array(light_on_dark, 32, 4096)
    assert a.shape == (32, 160) and np.allclose(a, b, atol=0.02)
    assert a.mean() < 0.2  # mostly paper (0), ink near 1


def test_round_trip_and_bad_folders(tmp_path: Path) -> None:
    net = tiny()
    save_line_model(net, tmp_path / "m")
    again = load_line_net(tmp_path / "m")
    assert again.config.alphabet == "abc " and all(torch.equal(again.state_dict()[k], v) for k, v in net.state_dict().items())
    (tmp_path / "m" / "config.json").write_text("[1, 2]")
    with pytest.raises(ModelError, match="not a JSON object"):
        load_line_net(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text(json.dumps({**net.config.to_dict(), "dim": 32}))
    with pytest.raises(ModelError, match="do not match config.json"):
        load_line_net(tmp_path / "m")
    save_line_model(net, tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(ModelError, match="not a readable safetensors"):
        load_line_net(tmp_path / "m")


def test_extending_the_alphabet_keeps_every_reading() -> None:
    net = tiny()
    views = batch_tensor([np.random.default_rng(1).random((32, 96)).astype(np.float32)])

    def read() -> list[str]:
        log_probs, steps = net(*views)
        return [r.text for r in ctc_decode(log_probs.detach().numpy(), steps.numpy(), net.config.alphabet)]

    before = read()
    net.extend_alphabet("xyz a")  # "a" is known already
    assert net.config.alphabet == "abc xyz" and net.blank == 7
    assert read() == before


def test_added_layers_start_as_the_identity_and_then_learn(tmp_path: Path) -> None:
    net = tiny()
    views = batch_tensor([np.random.default_rng(2).random((32, 96)).astype(np.float32)])
    before = net(*views)[0].detach()
    net.add_layers(2)
    assert net.config.layers == 3 and len(net.mixer.layers) == 3
    assert torch.allclose(net(*views)[0].detach(), before, atol=1e-6)
    net.train()
    loss = net(*views)[0].exp()[..., 0].sum()  # any loss: the new layers' outputs must get gradients
    loss.backward()
    assert net.mixer.layers[-1].linear2.weight.grad.abs().sum() > 0
    save_line_model(net, tmp_path / "m")
    assert load_line_net(tmp_path / "m").config.layers == 3  # the folder says how deep it is


def test_reads_a_page_through_the_registry_and_refuses_formatting(tmp_path: Path) -> None:
    save_line_model(tiny(), tmp_path / "m")
    ocr = OCR.load(str(tmp_path / "m"))
    result = ocr.read(text_image("abc abc", (400, 300)), tiles="auto")
    assert result.output_format == "text" and result.notes and "tiles" in result.notes[0]
    assert set(result.text) <= set("abc \n")
    with pytest.raises(OptionError, match="--task format"):
        ocr.read(text_image(), task="format")
    with pytest.raises(OptionError, match="--task format"):
        OCR.refuse_early(str(tmp_path / "m"), task="format")
    with pytest.raises(OptionError, match="float32 only"):
        OCR.load(str(tmp_path / "m"), dtype="bfloat16")


def test_the_onnx_graph_reads_as_the_network_does(tmp_path: Path) -> None:
    pytest.importorskip("onnxscript")
    net = tiny()
    save_line_model(net, tmp_path / "m")
    from genocr.models.line import GenocrLine

    by_torch = GenocrLine.from_pretrained(str(tmp_path / "m"), "m")
    export_onnx(net, tmp_path / "m")
    by_onnx = GenocrLine.from_pretrained(str(tmp_path / "m"), "m")
    assert by_torch.backend.startswith("torch") and by_onnx.backend == "onnxruntime"
    arrays = [np.random.default_rng(i).random((32, w)).astype(np.float32) for i, w in enumerate((40, 333, 1000))]
    from genocr.models.line import batch_arrays

    a, b = by_torch.run(*batch_arrays(arrays)), by_onnx.run(*batch_arrays(arrays))
    assert np.array_equal(a[1], b[1]) and np.abs(a[0] - b[0]).max() < 1e-4


def test_a_colour_frame_is_read_as_the_region_inside_it(tmp_path: Path) -> None:
    from genocr.tasks import draw_frame

    save_line_model(tiny(), tmp_path / "m")
    ocr = OCR.load(str(tmp_path / "m"))
    page = text_image("abc abc", (400, 300))
    framed = draw_frame(page, (5, 80, 300, 140), "green")
    inside = framed.crop((8, 83, 297, 137))  # the frame is 2 px wide, inset by one more
    assert ocr.read(framed, color="green").text == ocr.read(inside).text
    with pytest.raises(InputError, match="no red frame"):
        ocr.read(framed, color="red")


def test_an_int8_graph_reads_with_the_same_shapes(tmp_path: Path) -> None:
    pytest.importorskip("onnxscript")
    from genocr.models.line import GenocrLine, batch_arrays

    net = tiny()
    save_line_model(net, tmp_path / "m")
    calibration = [np.random.default_rng(i).random((32, 64 + 8 * i)).astype(np.float32) for i in range(8)]
    export_onnx(net, tmp_path / "m", calibration)
    model = GenocrLine.from_pretrained(str(tmp_path / "m"), "m")
    log_probs, steps = model.run(*batch_arrays(calibration[:3]))
    assert model.backend == "onnxruntime" and log_probs.shape == (3, 80 // 8 * 2, 5) and steps.tolist() == [16, 18, 20]


def test_averaged_weights_are_the_mean_and_need_one_architecture() -> None:
    from dataclasses import replace

    from genocr.models.line_net import average_weights

    a, b = tiny(), tiny()
    with torch.no_grad():
        for p in b.parameters():
            p.add_(torch.randn_like(p))
    mean = average_weights([a, b])
    name = next(k for k, v in a.state_dict().items() if v.is_floating_point() and v.numel() > 1)
    assert torch.allclose(mean[name], (a.state_dict()[name] + b.state_dict()[name]) / 2)
    assert not torch.equal(mean[name], a.state_dict()[name])
    other = LineNet(replace(a.config, alphabet=a.config.alphabet + "z"))
    with pytest.raises(ModelError, match="one architecture"):
        average_weights([a, other])
