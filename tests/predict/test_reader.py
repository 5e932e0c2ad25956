from pathlib import Path

import numpy as np
import pytest
import torch

from genocr import OCR, DecodeConfig, InputError, OptionError, ReadResult
from tests_helpers import text_image


@pytest.fixture(scope="module")
def got_ocr(tiny_got_dir: Path) -> OCR:
    return OCR.load(str(tiny_got_dir), max_new_tokens=12)


def test_read_png_returns_a_typed_result_that_round_trips(got_ocr: OCR, png_path: Path) -> None:
    result = got_ocr.read(png_path)
    assert result.source == str(png_path) and result.task == "plain" and result.output_format == "text"
    (page,) = result.pages
    assert page.pages == [1] and page.stop_reason in {"stop", "length", "loop"}
    assert 0 < page.new_tokens <= 12 and page.prompt_tokens > 16
    assert ReadResult.from_dict(result.to_dict()) == result


def test_decoding_matches_transformers_generate(got_ocr: OCR) -> None:
    """genocr's shared decoder must not change what greedy decoding of the same prompt gives."""
    from genocr.tasks import Query

    image = text_image("Compare")
    ocr = OCR(got_ocr.model, DecodeConfig(max_new_tokens=10, no_repeat_ngram_size=None, loop_guard=False))
    ours = ocr.read(image).pages[0]
    inputs = got_ocr.model.prepare([image], Query())
    with torch.inference_mode():
        ref = got_ocr.model.model.generate(**inputs, do_sample=False, max_new_tokens=10,
                                           eos_token_id=got_ocr.model.stop_ids)
    ref_ids = ref[0, inputs["input_ids"].shape[1]:].tolist()
    ref_ids = [t for t in ref_ids if t not in got_ocr.model.stop_ids]
    assert ours.text == got_ocr.model.tokenizer.decode(ref_ids, skip_special_tokens=True).strip()


def test_pdf_page_selection_and_multi_page(got_ocr: OCR, pdf3_path: Path) -> None:
    assert [p.pages for p in got_ocr.read(pdf3_path, pages="1,3", dpi=72).pages] == [[1], [3]]
    together = got_ocr.read(pdf3_path, multi_page=True, dpi=72)
    (page,) = together.pages
    assert page.pages == [1, 2, 3]
    assert page.prompt_tokens > 3 * 16  # three views of 16 image tokens in one prompt


def test_box_is_checked_against_each_page(got_ocr: OCR, png_path: Path) -> None:
    with pytest.raises(InputError, match="lies outside the 320x96 image"):
        got_ocr.read(png_path, box="0,0,400,50")
    with pytest.raises(OptionError, match="x2 must exceed x1"):
        got_ocr.read(png_path, box="50,0,10,50")


def test_colour_with_box_draws_the_frame_on_the_view(got_ocr: OCR, png_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    prepare = got_ocr.model.prepare

    def spy(views, query):
        seen["views"], seen["query"] = views, query
        return prepare(views, query)

    monkeypatch.setattr(got_ocr.model, "prepare", spy)
    got_ocr.read(png_path, color="blue", box="20,20,200,80")
    pixels = np.asarray(seen["views"][0])
    assert tuple(pixels[20, 100]) == (0, 0, 255)
    assert seen["query"].color == "blue" and seen["query"].box is None
    got_ocr.read(png_path, box="32,48,160,96")
    assert seen["query"].box == (100, 500, 500, 1000)


def test_tiles_option(got_ocr: OCR, png_path: Path) -> None:
    with pytest.raises(OptionError, match="tiles must be"):
        got_ocr.read(png_path, tiles="many")
    result = got_ocr.read(png_path, tiles="auto")
    assert result.pages[0].prompt_tokens > 4 * 16  # a 320x96 image -> 3x1 grid + thumbnail


def test_streaming_gives_the_same_text(talkative_got_dir: Path, png_path: Path) -> None:
    chunks: list[str] = []
    result = OCR.load(str(talkative_got_dir), max_new_tokens=8).read(png_path, on_text=chunks.append)
    assert result.text and set(result.text) <= set("ab")
    assert "".join(chunks).strip() == result.text


def test_loop_guard_cuts_a_looping_model(tiny_got_dir: Path, png_path: Path) -> None:
    ocr = OCR.load(str(tiny_got_dir), max_new_tokens=200, no_repeat_ngram_size=None)
    with torch.no_grad():  # every logit 0 -> greedy repeats token 0 forever
        ocr.model.model.lm_head.weight.zero_()
    ocr.model.tokenizer.pad_token = "<|im_start|>"  # so the looping token 0 is not padding
    page = ocr.read(png_path).pages[0]
    assert page.stop_reason == "loop" and page.looped
    assert page.new_tokens == ocr.decode.loop_min_span  # stopped as soon as the loop was long enough
    assert len(ocr.model.tokenizer(page.text, add_special_tokens=False)["input_ids"]) <= 1


def test_qwen2vl_reads_regions_and_pages(tiny_qwen2vl_dir: Path, pdf3_path: Path) -> None:
    ocr = OCR.load(str(tiny_qwen2vl_dir), max_new_tokens=5)
    assert ocr.read(pdf3_path, pages="2", box="10,10,100,100", dpi=72).pages[0].pages == [2]
    assert ocr.read(pdf3_path, multi_page=True, dpi=72).pages[0].pages == [1, 2, 3]
    with pytest.raises(OptionError, match="does not support tiles"):
        ocr.read(pdf3_path, tiles=4)


def test_a_list_of_sources_is_one_document(got_ocr: OCR, png_path: Path, pdf3_path: Path) -> None:
    result = got_ocr.read([png_path, pdf3_path], multi_page=True, dpi=72)
    (page,) = result.pages
    assert page.pages == [1, 2, 3, 4]  # numbered on across sources
    assert result.source == f"{png_path}, {pdf3_path}"


def test_line_reading_models_read_a_page_line_by_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import build_tokenizer
    from genocr.models.small import GenocrSmall
    from tests_helpers import draw_page

    torch.manual_seed(0)
    model = GenocrSmall.build("tiny", build_tokenizer())
    ocr = OCR(model, DecodeConfig(max_new_tokens=3), line_batch=4)
    batches = []
    prepare = model.prepare_batch
    monkeypatch.setattr(model, "prepare_batch", lambda views, q: batches.append(len(views)) or prepare(views, q))
    page, anchors = draw_page(2)
    result = ocr.read(page)
    assert batches == [4, 4, 4, 4, 1]  # 17 lines (title + 2 x 8) in batches of 4
    assert len(result.pages[0].text.splitlines()) <= len(anchors)
    with pytest.raises(OptionError, match="does not support color"):
        ocr.read(page, color="red")


def test_batched_rows_that_loop_are_trimmed_despite_padding(got_ocr: OCR) -> None:
    """In a batch, a row stopped by the loop guard is padded while another row goes on."""
    from genocr.predict.decode import LoopGuard, _finish

    config = DecodeConfig()
    guard = LoopGuard(0, config)
    guard.fired.add(0)
    pad = got_ocr.model.tokenizer.pad_token_id
    word = got_ocr.model.tokenizer("OCR", add_special_tokens=False)["input_ids"]
    looping = word * 60 + [pad] * 30
    gen = _finish(0, looping, 5, guard, got_ocr.model.tokenizer, got_ocr.model.stop_ids, pad, config, 0.0)
    assert gen.stop_reason == "loop" and gen.text == "OCR"


def test_a_skewed_scan_is_read_upright_with_its_word_boxes_on_the_page() -> None:
    """The shipped reader on a page turned by 2.5 degrees: it reads the lines as on the upright
    page, reports the angle, and every word box lands on the turned word."""
    from PIL import Image

    from genocr.bench.boxes import match
    from genocr.layout.lines import rotate_box
    from tests_helpers import draw_page

    ocr = OCR.load("genocr-small")
    page, _ = draw_page(1)
    upright = ocr.read(page).pages[0]
    turned = ocr.read(page.rotate(2.5, Image.BICUBIC, expand=False, fillcolor="white")).pages[0]
    assert upright.skew == 0.0 and turned.skew == -2.5
    assert turned.text == upright.text
    truth = [(w.text, rotate_box(w.box, 2.5, page.size, page.size)) for w in upright.words]
    found = [m for m in match(truth, [(w.text, w.box, w.confidence) for w in turned.words]) if m[2] >= 0.5]
    assert len(found) >= 0.9 * len(truth)


def test_the_side_of_a_frame_close_to_a_line_is_not_read() -> None:
    """A framed line whose frame sits in the crop's margin: the shipped reader read its side as
    "I" or "|" before the crop's rules were painted over."""
    from PIL import Image, ImageDraw, ImageFont

    from tests_helpers import FONT

    page, text = Image.new("RGB", (900, 200), "white"), "Enable register file usage statistics."
    draw = ImageDraw.Draw(page)
    draw.text((60, 80), text, font=ImageFont.truetype(FONT, 22), fill="black")
    x0, y0, _, y1 = draw.textbbox((60, 80), text, font=ImageFont.truetype(FONT, 22))
    draw.rectangle([x0 - 5, y0 - 7, 850, y1 + 7], outline="black", width=1)
    assert OCR("genocr-small").read(page).text == text  # a name is loaded as OCR.load loads it


def test_a_whole_page_in_format_mode_is_read_block_by_block() -> None:
    from tests_helpers import draw_formatted_page

    result = OCR.load("genocr-small").read(draw_formatted_page(), task="format")
    page = result.pages[0]
    kinds = [b.kind for b in page.blocks]
    assert kinds[:6] == ["heading", "paragraph", "paragraph", "formula", "table", "paragraph"]
    assert kinds[-1] in ("footer", "page_number")  # the page number is kept apart from the text
    text = page.text
    assert text.startswith("\\section*{") and "Results" in text.split("\n")[0]
    assert text.count("quick brown fox") == 7  # every full line of the paragraphs, none twice
    assert "\\[\n" in text and "\\begin{tabular}" in text
    assert text.index("\\[") < text.index("\\begin{tabular}") < text.rindex("and stops")
    assert not text.rstrip().endswith("7")
    assert all(b.lines for b in page.blocks if b.kind in ("heading", "paragraph"))
    assert result.to_dict()["pages"][0]["blocks"][0]["level"] == 2


def test_a_tables_crop_keeps_a_fraction_of_a_row_around_it_not_of_the_table() -> None:
    """A tall table's margin once took in the paragraph above it, which the decoder read as the
    table's header; a formula's stays a share of its own height."""
    from genocr.layout.blocks import LayoutBlock
    from genocr.layout.lines import crop_box
    from genocr.predict.reader import ELEMENT_MARGIN, _element_unit

    rows = [(100, 200 + 16 * i, 500, 212 + 16 * i) for i in range(10)]  # ten rows, 12 px tall
    table = LayoutBlock("table", (100, 200, 500, 356), rows)
    x0, y0, x1, y1 = crop_box((1000, 1000), table.box, ELEMENT_MARGIN["table"], _element_unit(table))
    assert 200 - 12 < y0 < 200 and 356 < y1 < 356 + 12 and 100 - 12 < x0 < 100
    formula = LayoutBlock("formula", (300, 400, 500, 440), [(300, 400, 500, 440)])
    assert crop_box((1000, 1000), formula.box, ELEMENT_MARGIN["formula"], _element_unit(formula))[1] == 400 - 9  # 0.2 x 40 + 1
