"""Text kinds: each renders, and its ground truth agrees with the pixels by an independent check."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from genocr.data.engine import generate
from genocr.data.kinds.page import PAGE_BREAK
from genocr.data.kinds.region import COLORS

SEEDS = range(6)


def _inside(box, img) -> bool:
    x0, y0, x1, y1 = box
    return 0 <= x0 < x1 <= img.width and 0 <= y0 < y1 <= img.height


def _has_ink(img, box) -> bool:
    """Something is drawn in the box: its (denoised) grey levels spread well beyond noise."""
    crop = cv2.GaussianBlur(np.asarray(img.convert("L").crop(box)), (3, 3), 0)
    return int(crop.max()) - int(crop.min()) > 30


@pytest.mark.parametrize("seed", SEEDS)
def test_slice(seed):
    s = generate("slice", 0, seed)
    lines = s.meta["lines"]
    assert s.task == "plain" and 1 <= len(lines) <= 3
    assert s.target == "\n".join(ln["text"] for ln in lines) and s.target.strip()
    for ln in lines:
        assert _inside(ln["box"], s.image) and _has_ink(s.image, ln["box"])
        words = ln["words"]
        assert "".join(w["text"] for w in words) == "".join(ln["text"].split())
        assert [w["box"][0] for w in words] == sorted(w["box"][0] for w in words)
        for w in words:
            x0, y0, x1, y1 = w["box"]
            assert ln["box"][0] <= x0 < x1 <= ln["box"][2] and ln["box"][1] <= y0 < y1 <= ln["box"][3]
            assert _has_ink(s.image, w["box"])


def test_some_english_slices_are_in_capitals():
    english = [s.target for s in (generate("slice", 0, i) for i in range(60)) if s.meta["lang"] == "en"]
    upper = [t for t in english if t == t.upper() and any(c.isalpha() for c in t)]
    assert 0.1 < len(upper) / len(english) < 0.5


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_page(seed):
    s = generate("page", 0, seed)
    lines = s.meta["lines"]
    assert s.task == "plain" and len(lines) >= 5
    assert s.target == "\n".join(ln["text"] for ln in lines)
    assert s.meta["markdown"].strip()
    assert sum(b["lines"] for b in s.meta["blocks"]) == len(lines)
    assert all(_inside(ln["box"], s.image) for ln in lines)
    assert np.mean([_has_ink(s.image, ln["box"]) for ln in lines]) > 0.9


def test_region_box_and_color():
    seen = set()
    for seed in range(12):
        s = generate("region", 0, seed)
        box, img = s.meta["box"], s.image
        assert _inside(box, img) and s.target == "\n".join(ln["text"] for ln in s.meta["lines"])
        assert s.meta["box_norm"] == [int(box[0] / img.width * 1000), int(box[1] / img.height * 1000),
                                      int(box[2] / img.width * 1000), int(box[3] / img.height * 1000)]
        for ln in s.meta["lines"]:
            x0, y0, x1, y1 = ln["box"]
            assert box[0] <= x0 and box[1] <= y0 and x1 <= box[2] and y1 <= box[3]
        seen.add(s.task)
        if s.task == "color":
            want = np.array(COLORS[s.meta["color"]])
            x0, y0, x1, y1 = s.meta["frame"]
            arr = np.asarray(img.convert("RGB"), np.int16)
            edge = np.concatenate([arr[y0, x0:x1], arr[y1, x0:x1], arr[y0:y1, x0], arr[y0:y1, x1]])
            assert np.mean(np.abs(edge - want).max(axis=1) < 8) > 0.95
        if seen == {"box", "color"}:
            break
    assert seen == {"box", "color"}


def test_multi_page():
    for seed in range(3):
        s = generate("multi-page", 0, seed)
        assert s.task == "multi-page" and 2 <= len(s.images) <= 8
        chunks = s.target.split(PAGE_BREAK)
        assert len(chunks) == len(s.images) == len(s.meta["pages"])
        assert all(c.strip() for c in chunks)


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_scene(seed):
    s = generate("scene", 0, seed)
    inst = s.meta["instances"]
    assert s.target == "\n".join(i["text"] for i in inst)
    for i in inst:
        assert _inside(i["box"], s.image)
        pts = np.array(i["polygon"])
        assert pts[:, 0].min() >= i["box"][0] - 1 and pts[:, 1].max() <= i["box"][3] + 1


@pytest.mark.parametrize("seed", SEEDS)
def test_pixel(seed):
    s = generate("pixel", 0, seed)
    image = np.asarray(s.image.convert("RGB"))
    clean = np.asarray(s.extra_images["clean"].convert("RGB"))
    mask = np.asarray(s.extra_images["mask"])
    assert s.extra_images["mask"].mode == "L" and set(np.unique(mask)) <= {0, 255} and mask.any()
    near = cv2.dilate((mask > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert np.array_equal(image[~near], clean[~near])  # removal GT == input outside the text
    assert (image[mask > 0] != clean[mask > 0]).any(axis=-1).mean() > 0.5
    tampered = np.asarray(s.extra_images["tampered"].convert("RGB"))
    tmask = np.asarray(s.extra_images["tamper_mask"]) > 0
    assert np.array_equal(image[~tmask], tampered[~tmask])
    if "tampered" in s.meta:
        assert tmask.any() and (image != tampered).any()


def test_every_forgery_leaves_a_trace():
    """Inside the edit, the forged word differs from a perfect re-render in the original colour."""
    from dataclasses import replace as dc_replace

    from genocr.data import scenetext
    from genocr.data.kinds import pixel

    forged = [s for s in (generate("pixel", 0, i) for i in range(12)) if "tampered" in s.meta]
    assert len(forged) >= 6
    for s in forged:
        t = s.meta["tampered"]
        assert t["slips"] and set(t["slips"]) <= set(pixel.SLIPS)
    inst = scenetext.place(np.random.default_rng(5), Image.new("RGB", pixel.SIZE, "white"), 3)[0]
    new = scenetext.render(dc_replace(inst, text=inst.text[::-1] + "x", patches=()))
    image = scenetext.draw([inst], pixel.SIZE).over(Image.new("RGB", pixel.SIZE, (200, 190, 180)))
    for seed in range(6):
        out, edited, slips = pixel._forge(np.random.default_rng(seed), image, inst, new)
        hole = cv2.dilate(pixel._coverage(inst, pixel.SIZE).astype(np.uint8), pixel._NEAR)
        erased = Image.fromarray(cv2.inpaint(np.asarray(image), hole * 255, 3, cv2.INPAINT_TELEA))
        perfect = np.asarray(scenetext.draw([new], pixel.SIZE).over(erased), np.float32)
        assert np.abs(np.asarray(out, np.float32) - perfect)[edited].mean() > 2.0, slips


def test_typeset_lines_come_from_the_text_layer_and_sit_in_the_image():
    from genocr.data import latex

    if not latex.available():
        pytest.skip("pdflatex is not installed")
    sample = generate("typeset", 3, 0)
    lines = sample.meta["lines"]
    assert len(lines) >= 3 and sample.target == "\n".join(ln["text"] for ln in lines)
    w, h = sample.image.size
    for ln in lines:
        x0, y0, x1, y1 = ln["box"]
        assert 0 <= x0 < x1 <= w + 1 and 0 <= y0 < y1 <= h + 1
    assert "\ufb01" not in sample.target and "\ufffe" not in sample.target  # ligatures spelt, hyphens kept


@pytest.mark.parametrize("family", ["cmr", "ppl"])  # Type 3 bitmaps in Cork encoding; a Type 1 face
def test_text_layer_spells_ligatures_dashes_quotes_and_breaks_at_line_end_hyphens(family):
    from genocr.data import latex

    if not latex.available():
        pytest.skip("pdflatex is not installed")
    body = (rf"\parbox{{130pt}}{{\fontfamily{{{family}}}\selectfont "
            r"defined different fluffy office affine -- --- ``quoted'' \textbullet{} \S{} \textopenbullet{} Stra\ss{}e"
            r"\par\parbox{50pt}{extra\-ordinarily longer}}")
    ((_, lines),) = latex.render([body], [2.0], r"\usepackage[T1]{fontenc}", text=True)
    texts = [ln.text for ln in lines]
    assert " ".join(texts).startswith("defined different fluffy office affine – — “quoted” • § ◦ Straße")
    assert not any(ord(c) < 32 for t in texts for c in t)
    assert texts[-3:] == ["extra-", "ordinarily", "longer"]
    assert all(ln.box[3] - ln.box[1] < 40 for ln in lines)  # one line each, not two joined


@pytest.mark.parametrize(("family", "sign"), [("cmr", r"\textminus{}"), ("phv", "$-$"), ("ptm", r"\textminus{}")])
def test_typeset_options_keep_their_hyphens_or_become_minus_signs(family, sign):
    """Either minus sign reads back as U+2212 in every face (TeX's own set the math one: their
    text minus would read back as TS1's slot, "="): an option's hyphens, or with ``every`` a
    word's too, as DocBook's manuals set them."""
    from genocr.data import latex
    from genocr.data.kinds import typeset

    sign = typeset._sign(sign, family)

    if not latex.available():
        pytest.skip("pdflatex is not installed")
    text = "run --check-prefix or [-v] ---x, a well-known -- rare case: 3 × 4"
    bodies = [rf"\parbox{{420pt}}{{\fontfamily{{{family}}}\selectfont {typeset.escape(text, minus, every)}}}"
              for minus, every in ((None, True), (sign, False), (sign, True))]
    (_, plain), (_, options), (_, every) = latex.render(bodies, [2.0] * 3, typeset.PREAMBLE, text=True)
    assert [ln.text for ln in plain] == [text]  # two hyphens, not TeX's en dash
    assert [ln.text for ln in options] == [text.replace("--check-prefix", "\u2212\u2212check\u2212prefix").replace("-v", "\u2212v").replace("---x", "\u2212" * 3 + "x")]
    assert [ln.text for ln in every] == [text.replace("-", "\u2212")]


@pytest.mark.parametrize("minus", [None, r"\textminus{}"])
def test_typeset_option_entries_start_a_line_with_their_tag(minus):
    """An option entry's tag starts its line, in hyphens or (all of them) in minus signs."""
    from genocr.data import latex
    from genocr.data.kinds import typeset

    if not latex.available():
        pytest.skip("pdflatex is not installed")
    tags = [typeset.option_tag(np.random.default_rng(seed)) for seed in range(6)]
    bodies = [rf"\parbox{{300pt}}{{\fontfamily{{ptm}}\selectfont {typeset._option_item(np.random.default_rng(seed), minus)}}}"
              for seed in range(6)]
    for tag, (_, lines) in zip(tags, latex.render(bodies, [2.0] * 6, typeset.PREAMBLE, text=True)):
        first = lines[0].text.split(" ")[0]
        assert first == tag.split(" ")[0].replace("-", "\u2212" if minus else "-")


@pytest.mark.parametrize("family", ["cmr", "ptm", "cmtt"])
def test_typeset_symbols_read_back_as_themselves(family):
    """Tildes and carets are set as glyphs, not accents (which read back as nothing or as
    "x- / 2" for x^2), and the other symbol tokens survive escaping."""
    from genocr.data import latex
    from genocr.data.kinds import typeset

    if not latex.available():
        pytest.skip("pdflatex is not installed")
    text = "~/rc x^2 a|b AT&T x@y.org #3 [4] *w* {k} <t> $5 50%"
    body = rf"\parbox{{400pt}}{{\fontfamily{{{family}}}\selectfont {typeset.escape(text)}}}"
    ((_, lines),) = latex.render([body], [2.0], typeset.PREAMBLE, text=True)
    assert [ln.text for ln in lines] == [text]
