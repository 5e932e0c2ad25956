"""Hand-computed checks for genocr.bench.metrics (the arithmetic is in the comments)."""

from __future__ import annotations

import gzip
import json
import math
import os
import re

import numpy as np
import pytest

from genocr.bench import metrics as M
from genocr.bench.metrics.text import WORDNET_LEXNAMES, _debian_wordnet

needs_wordnet = pytest.mark.skipif(M.wordnet_reader() is None, reason="no WordNet for nltk METEOR")


# ----------------------------------------------------------------------------- edit distance


def test_normalized_edit_distance_kitten_sitting():
    # kitten -> sitting: k->s, e->i, +g = 3 edits; max(6, 7) = 7
    assert M.normalized_edit_distance("kitten", "sitting") == pytest.approx(3 / 7)


def test_normalized_edit_distance_edge_cases():
    assert M.normalized_edit_distance("", "") == 0.0
    assert M.normalized_edit_distance("", "abc") == 1.0  # 3 insertions / 3
    assert M.normalized_edit_distance("abc", "abc") == 0.0


def test_normalized_edit_distance_word_level():
    # [the, big, cat] vs [the, cat]: one deletion / max(3, 2) = 1/3
    assert M.normalized_edit_distance("the big cat", "the cat", tokens=True) == pytest.approx(1 / 3)
    # at character level: "the big cat" (11) vs "the cat" (7): delete "big " = 4 -> 4/11
    assert M.normalized_edit_distance("the big cat", "the cat") == pytest.approx(4 / 11)


# ----------------------------------------------------------------------------- tokenisation


def test_tokenize_chinese_with_jieba():
    # jieba's textbook example: 我 / 爱 / 北京 / 天安门
    assert M.tokenize("我爱北京天安门", lang="zh") == ["我", "爱", "北京", "天安门"]
    assert M.tokenize("我爱北京天安门", lang="auto") == ["我", "爱", "北京", "天安门"]


def test_tokenize_english_and_char():
    assert M.tokenize("Hello  big\nworld", lang="en") == ["Hello", "big", "world"]
    assert M.tokenize("Hello world", lang="auto") == ["Hello", "world"]
    # scene text: list(str), the space is a token
    assert M.tokenize("ab c", level="char") == ["a", "b", " ", "c"]


def test_tokenize_rejects_unknown_options():
    with pytest.raises(ValueError):
        M.tokenize("x", lang="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        M.tokenize("x", level="line")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- OCR scores

PRED = "the cat sat on the"  # 18 chars, set {the, cat, sat, on}
GT = "the cat sat on the mat"  # 22 chars, set {the, cat, sat, on, mat}


def test_ocr_scores_asymmetric_example():
    s = M.ocr_scores(PRED, GT)
    # ED: insert " mat" = 4 edits / max(18, 22) -> 4/22
    assert s["edit_distance"] == pytest.approx(4 / 22)
    # sets: |∩| = 4; precision 4/|pred set| = 4/4, recall 4/|gt set| = 4/5
    assert s["precision"] == pytest.approx(1.0)
    assert s["recall"] == pytest.approx(0.8)
    # F1 = 2·1·0.8 / 1.8 = 8/9
    assert s["f1"] == pytest.approx(8 / 9)
    # BLEU, hyp 5 tokens vs ref 6: p1..p4 = 5/5, 4/4, 3/3, 2/2 = 1; BP = exp(1 - 6/5) = exp(-0.2)
    assert s["bleu"] == pytest.approx(math.exp(-0.2))


def test_ocr_scores_got_swap_exchanges_precision_and_recall():
    plain = M.ocr_scores(PRED, GT)
    swapped = M.ocr_scores(PRED, GT, got_swap=True)
    # GOT/Fox pass (label, answer) into (pred, gt): reported precision = |∩|/|gt set| = 4/5,
    # reported recall = |∩|/|pred set| = 4/4
    assert swapped["precision"] == pytest.approx(0.8)
    assert swapped["recall"] == pytest.approx(1.0)
    assert swapped["precision"] == pytest.approx(plain["recall"])
    assert swapped["recall"] == pytest.approx(plain["precision"])
    # ED and F1 are symmetric
    assert swapped["edit_distance"] == pytest.approx(plain["edit_distance"])
    assert swapped["f1"] == pytest.approx(plain["f1"])
    # BLEU with GT as hypothesis (6 tokens) and the answer as reference (5 tokens):
    # p1 = 5/6 (mat unmatched), p2 = 4/5, p3 = 3/4, p4 = 2/3, BP = 1 (hyp longer)
    # geometric mean = (5/6 · 4/5 · 3/4 · 2/3)^(1/4) = (1/3)^(1/4)
    assert swapped["bleu"] == pytest.approx((1 / 3) ** 0.25)


@needs_wordnet
def test_ocr_scores_meteor_both_directions():
    # nltk METEOR: alpha 0.9, beta 3, gamma 0.5; 5 exact matches in one chunk.
    # plain: P = 5/5, R = 5/6, Fmean = P·R / (0.9·P + 0.1·R) = (5/6)/(0.9 + 1/12)
    #        frag = 1 chunk / 5 matches = 0.2, penalty = 0.5 · 0.2^3 = 0.004
    fmean = (5 / 6) / (0.9 + 0.1 * 5 / 6)
    assert M.ocr_scores(PRED, GT)["meteor"] == pytest.approx(fmean * (1 - 0.004))
    # swapped: P = 5/6, R = 1, Fmean = (5/6)/(0.9·5/6 + 0.1)
    fmean_sw = (5 / 6) / (0.9 * 5 / 6 + 0.1)
    assert M.ocr_scores(PRED, GT, got_swap=True)["meteor"] == pytest.approx(fmean_sw * (1 - 0.004))


@needs_wordnet
def test_meteor_uses_wordnet_synonyms():
    # "hound" is a WordNet synonym of "dog": all 3 words match (stage exact/stem/synonym),
    # so P = R = 1, Fmean = 1, one chunk: penalty = 0.5·(1/3)^3 = 1/54
    s = M.ocr_scores("the hound barked", "the dog barked")
    assert s["meteor"] == pytest.approx(1 - 1 / 54)


@pytest.mark.skipif(
    not os.path.isfile("/usr/share/wordnet/data.noun"), reason="Debian wordnet-base not installed"
)
def test_debian_wordnet_adapter_reads_wordnet_base():
    wn = _debian_wordnet("/usr/share/wordnet")
    assert wn.get_version() == "3.0"
    dog = wn.synsets("dog")[0]
    assert dog.name() == "dog.n.01"
    assert dog.lexname() == "noun.animal"  # lexname 05 in lexnames(5WN)
    man = "/usr/share/man/man5/lexnames.5WN.gz"
    if os.path.isfile(man):  # our constant must agree with the package's own manual page
        rows = re.findall(r"^(\d\d)\t(\S+)\s*\t", gzip.open(man, "rt").read(), re.M)
        assert tuple(name for _, name in rows) == WORDNET_LEXNAMES


def test_ocr_scores_chinese_auto_uses_jieba():
    # gt: 我/爱/北京/天安门, pred: 我/爱/北京 -> P = 3/3, R = 3/4, F1 = 2·0.75/1.75 = 6/7
    s = M.ocr_scores("我爱北京", "我爱北京天安门")
    assert s["precision"] == pytest.approx(1.0)
    assert s["recall"] == pytest.approx(0.75)
    assert s["f1"] == pytest.approx(6 / 7)
    # ED on characters: 3 insertions / 7
    assert s["edit_distance"] == pytest.approx(3 / 7)


def test_ocr_scores_char_level():
    # char sets {a,b,c,d} vs {a,b,c,e}: P = R = 3/4; ED 1 substitution / 4
    s = M.ocr_scores("abcd", "abce", level="char")
    assert s["precision"] == pytest.approx(0.75)
    assert s["recall"] == pytest.approx(0.75)
    assert s["f1"] == pytest.approx(0.75)
    assert s["edit_distance"] == pytest.approx(0.25)


def test_ocr_scores_empty_conventions():
    both = M.ocr_scores("", "")
    assert both["edit_distance"] == 0.0 and both["f1"] == 1.0 and both["bleu"] == 1.0
    miss = M.ocr_scores("", "some text")
    assert miss["edit_distance"] == 1.0
    assert miss["f1"] == miss["precision"] == miss["recall"] == miss["bleu"] == miss["meteor"] == 0.0


# ----------------------------------------------------------------------------- CER / WER


def test_cer_and_wer():
    assert M.cer("abd", "abc") == pytest.approx(1 / 3)  # 1 substitution / 3 chars
    assert M.cer("abcx", "abc") == pytest.approx(1 / 3)  # 1 insertion / 3 chars
    assert M.wer("a b d", "a b c") == pytest.approx(1 / 3)  # 1 substituted word / 3
    assert M.wer("a b", "a b c") == pytest.approx(1 / 3)  # 1 deleted word / 3


def test_cer_wer_empty_gt():
    assert M.cer("", "") == 0.0
    assert M.cer("xyz", "") == 1.0  # capped (jiwer would return 3 insertions)
    assert M.wer("", "  ") == 0.0
    assert M.wer("a b", "") == 1.0


# ----------------------------------------------------------------------------- TEDS

GT_TABLE = "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>cat</td></tr></table>"


def test_teds_identical_is_one():
    assert M.teds(GT_TABLE, GT_TABLE) == pytest.approx(1.0)
    wrapped = f"<html><body>{GT_TABLE}</body></html>"
    assert M.teds(wrapped, GT_TABLE) == pytest.approx(1.0)


def test_teds_one_cell_changed():
    pred = GT_TABLE.replace("cat", "cut")
    # nodes below <table>: tr, td, td, tr, td, td = 6
    # one rename td(cat) -> td(cut): Levenshtein(['c','a','t'], ['c','u','t']) / 3 = 1/3
    # TEDS = 1 - (1/3)/6 = 17/18
    assert M.teds(pred, GT_TABLE) == pytest.approx(17 / 18)
    # structure only: the cells' text is ignored -> 1
    assert M.teds(pred, GT_TABLE, structure_only=True) == pytest.approx(1.0)


def test_teds_missing_cell():
    pred = "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
    # delete one td = 1; max(5, 6) nodes = 6 -> 1 - 1/6
    assert M.teds(pred, GT_TABLE) == pytest.approx(5 / 6)


def test_teds_th_handling_and_no_table():
    gt = "<table><tr><th>h</th></tr><tr><td>x</td></tr></table>"
    pred = "<table><tr><th>k</th></tr><tr><td>x</td></tr></table>"
    # PubTabNet: th is not a cell, its text is not compared -> 1
    assert M.teds(pred, gt) == pytest.approx(1.0)
    # th as td: rename cost 1/1; nodes tr, th, tr, td = 4 -> 1 - 1/4
    assert M.teds(pred, gt, th_as_td=True) == pytest.approx(0.75)
    assert M.teds("no table here", gt) == 0.0
    assert M.teds("", gt) == 0.0


# ----------------------------------------------------------------------------- SMILES


def test_smiles_same_molecule_different_atom_order():
    assert M.smiles_match("OCC", "CCO") == {"exact": True, "tanimoto": 1.0}


def test_smiles_tanimoto_ethane_propane():
    # Morgan r=2 environments: ethane {CH3, CH3-CH3} = 2 bits;
    # propane {CH3, CH2, CH3-(CH2), CH2-(CH3)2} = 4 bits (radius 2 adds nothing new);
    # shared: the bare CH3 -> 1 / (2 + 4 - 1) = 0.2
    r = M.smiles_match("CC", "CCC")
    assert r["exact"] is False
    assert r["tanimoto"] == pytest.approx(0.2)


def test_smiles_invalid_pred_and_gt():
    assert M.smiles_match("C1CC", "CCO") == {"exact": False, "tanimoto": 0.0}  # unclosed ring
    assert M.smiles_match("", "CCO") == {"exact": False, "tanimoto": 0.0}
    with pytest.raises(ValueError):
        M.smiles_match("CCO", "not a smiles")


# ----------------------------------------------------------------------------- charts

CHART_GT = {"title": "t", "source": "", "x_title": "x", "y_title": "y",
            "values": {"a": 10, "b": 20, "c": 100}}  # fmt: skip


def test_chart_ap_three_tolerances():
    r = M.chart_ap({"a": 10, "b": 21, "c": 107}, CHART_GT)
    # triples (a,value,10) (b,value,20) (c,value,100); pred b off by 1/20 = 5%, c by 7/100 = 7%
    # strict: only a matches; union = P ∪ G = 5 -> sim 1/5, below 0.5 -> AP 0
    assert r["sim_strict"] == pytest.approx(0.2) and r["ap_strict"] == 0.0
    # slight (5%): a, b match; union = 5 - {b21} = 4 -> sim 2/4 = 0.5, only threshold 0.50 -> 1/10
    assert r["sim_slight"] == pytest.approx(0.5) and r["ap_slight"] == pytest.approx(0.1)
    # high (10%): all match; union = 5 - {b21, c107} = 3 -> sim 1, all 10 thresholds
    assert r["sim_high"] == pytest.approx(1.0) and r["ap_high"] == pytest.approx(1.0)
    assert r["parsed"] and r["counted"]


def test_chart_ap_threshold_float_drift():
    # pred gets 3 of 5 GT triples exactly: sim = 3/5 = 0.6, but OneChart's third threshold is
    # np.arange(0.5, 1, 0.05)[2] = 0.6000000000000001, so only 0.50 and 0.55 pass -> 2/10
    gt = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    r = M.chart_ap({"a": 1, "b": 2, "c": 3}, gt)
    assert r["sim_strict"] == pytest.approx(0.6)
    assert r["ap_strict"] == pytest.approx(0.2)


def test_chart_ap_word_tolerance_and_string_input():
    gt = {"values": {"Apple": 10}}
    # lowercased heads "applevalue" vs "appelvalue": 2 edits -> no match strict, match slight
    r = M.chart_ap({"Appel": "10%"}, gt)
    assert r["ap_strict"] == 0.0
    assert r["sim_slight"] == pytest.approx(1.0) and r["ap_slight"] == pytest.approx(1.0)
    # a full chart JSON string with a missing closing brace is completed, as OneChart does
    text = json.dumps({**CHART_GT, "values": {"a": 10, "b": {"s": 20}}})[:-1]
    r = M.chart_ap(text, {"values": {"a": 10, "b": {"s": 20}}})
    assert r["counted"] and r["ap_strict"] == pytest.approx(1.0)


def test_chart_ap_unparsable_and_corpus():
    bad = M.chart_ap("not json at all", CHART_GT)
    assert bad == {**bad, "parsed": False, "counted": False, "ap_strict": 0.0, "ap_high": 0.0}
    preds = [json.dumps(CHART_GT), "garbage"]
    # OneChart drops the unparsable sample: mean over 1 chart = 1.0; structure accuracy 1/2
    c = M.chart_ap_corpus(preds, [CHART_GT, CHART_GT])
    assert c["ap_strict"] == pytest.approx(1.0)
    assert c["structure_accuracy"] == pytest.approx(0.5)
    assert c["n_scored"] == 1
    # counting it as 0 instead: (1 + 0) / 2
    assert M.chart_ap_corpus(preds, [CHART_GT, CHART_GT], onechart_filter=False)[
        "ap_strict"
    ] == pytest.approx(0.5)


# ----------------------------------------------------------------------------- kern / TikZ


def test_kern_and_tikz_edit_distance():
    # tokens [**kern, 4c, 4d, *-] vs [**kern, 4c, 4e, *-]: 1 substitution / 4
    assert M.kern_edit_distance("**kern\n4c\n4d\n*-", "**kern\n4c\n4e\n*-") == pytest.approx(0.25)
    # layout-only difference: identical tokens -> 0
    assert M.tikz_edit_distance("\\draw (0,0) -- (1,1);", "\\draw  (0,0)\n  -- (1,1);") == 0.0
    # [\draw, (0,0), --, (1,1);] vs [..., (1,2);]: 1/4
    assert M.tikz_edit_distance("\\draw (0,0) -- (1,1);", "\\draw (0,0) -- (1,2);") == pytest.approx(0.25)


# ----------------------------------------------------------------------------- pixel: removal


def _block_pair():
    gt = np.zeros((5, 5), np.uint8)
    pred = gt.copy()
    pred[1:4, 1:4] = 100  # a 3x3 block of error 100 grey levels in a 5x5 image
    return pred, gt


def test_removal_grey_block():
    pred, gt = _block_pair()
    assert M.age(pred, gt) == pytest.approx(36.0)  # 9 px · 100 / 25 px
    assert M.peps(pred, gt) == pytest.approx(0.36)  # 9 px > 20 / 25
    # erosion with the 4-neighbour cross keeps only the block centre: 1 / 25
    assert M.pceps(pred, gt) == pytest.approx(0.04)
    mse = 9 * (100 / 255) ** 2 / 25  # in [0, 1] units
    assert M.mse(pred, gt) == pytest.approx(mse)
    assert M.psnr(pred, gt) == pytest.approx(10 * math.log10(1 / mse))


def test_removal_rgb_uses_luma():
    gt = np.zeros((3, 3, 3), np.uint8)
    pred = gt.copy()
    pred[..., 0] = 255  # pure red: Y = 0.299 · 255 = 76.245 -> rounded 76
    assert M.age(pred, gt) == pytest.approx(76.0)
    assert M.peps(pred, gt) == pytest.approx(1.0)
    # every pixel is an error, but only the centre has 4 in-image error neighbours: 1/9
    assert M.pceps(pred, gt) == pytest.approx(1 / 9)
    # MSE over RGB values: one channel of three differs by 1.0 -> 1/3
    assert M.mse(pred, gt) == pytest.approx(1 / 3)


def test_removal_identical_and_constant_mssim():
    img = np.full((11, 11), 100, np.uint8)
    assert M.psnr(img, img) == math.inf
    assert M.mse(img, img) == 0.0
    assert M.mssim(img, img) == pytest.approx(1.0)
    # constant images 100 vs 110: all variances 0, so cs = C2/C2 = 1 and
    # ssim = (2·100·110 + C1) / (100² + 110² + C1), C1 = (0.01·255)² = 6.5025;
    # legacy MSSIM = cs^0.8668 · ssim^0.1333
    other = np.full((11, 11), 110, np.uint8)
    c1 = (0.01 * 255) ** 2
    ssim = (2 * 100 * 110 + c1) / (100**2 + 110**2 + c1)
    assert M.mssim(other, img) == pytest.approx(ssim**0.1333, abs=1e-9)
    scores = M.removal_scores(other, img)
    assert scores["age"] == pytest.approx(10.0) and scores["peps"] == 0.0  # 10 <= 20


# ----------------------------------------------------------------------------- pixel: masks


def test_segmentation_masks():
    gt = np.array([[1, 1, 0], [0, 0, 0]])
    pred = np.array([[1, 0, 0], [1, 0, 0]])
    # tp 1, fp 1, fn 1, tn 3
    assert M.mask_counts(pred, gt) == {"tp": 1, "fp": 1, "fn": 1, "tn": 3}
    assert M.fg_iou(pred, gt) == pytest.approx(1 / 3)  # 1 / (1+1+1)
    assert M.f_measure(pred, gt) == pytest.approx(0.5)  # P = R = 1/2


def test_segmentation_ignore_value():
    gt = np.array([[255, 255, 0], [128, 0, 0]])  # 128 = ignore (UPOCR TextSeg targets)
    pred = np.array([[1, 0, 0], [1, 0, 0]])
    # the pred pixel on the ignored spot is dropped: tp 1, fp 0, fn 1
    assert M.fg_iou(pred, gt, ignore_value=128) == pytest.approx(0.5)
    # P = 1, R = 1/2 -> F = 2·(1/2)/(3/2) = 2/3
    assert M.f_measure(pred, gt, ignore_value=128) == pytest.approx(2 / 3)
    assert math.isnan(M.fg_iou(np.zeros((2, 2)), np.zeros((2, 2))))  # 0/0, as UPOCR


def test_tamper_binary_and_classes():
    # binary: tp 1, fp 1, fn 0 -> P 1/2, R 1, F 2/3, IoU 1/2
    s = M.tamper_scores(np.array([[1, 1], [0, 0]]), np.array([[1, 0], [0, 0]]))
    assert s == pytest.approx({"precision": 0.5, "recall": 1.0, "f": 2 / 3, "iou": 0.5})
    gt = np.array([[0, 1, 1], [2, 2, 0]])
    pred = np.array([[0, 1, 2], [2, 2, 1]])
    c = M.tamper_class_scores(pred, gt)
    # real (1): tp 1, fp 1 (pred 1 on bg), fn 1 (gt 1 predicted 2) -> IoU 1/3, P = R = F = 1/2
    assert c["iou_real"] == pytest.approx(1 / 3) and c["f_real"] == pytest.approx(0.5)
    # tampered (2): tp 2, fp 1, fn 0 -> IoU 2/3, P 2/3, R 1, F = (4/3)/(5/3) = 4/5
    assert c["iou_tampered"] == pytest.approx(2 / 3) and c["f_tampered"] == pytest.approx(0.8)
    assert c["miou"] == pytest.approx(0.5) and c["mf"] == pytest.approx(0.65)
