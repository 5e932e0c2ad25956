"""Benchmark metrics defined as GOT, Fox, OneChart, PubTabNet and UPOCR define them.

These functions exist so that genocr's numbers can be set beside published
ones. Where a reference script has a quirk that changes the numbers, we keep
the quirk (or offer a switch for it) and say so in the docstring. Sources
(facts only; no code was copied):

* GOT-OCR2.0 ``GOT/eval/pyevaltools/eval_ocr.py`` and ``eval_ocr_scene.py``,
  and Fox ``eval_tools/eval_ocr_test.py``: text OCR scores.
* OneChart ``ChartSE_eval/SCRM.py`` and ``eval_ChartSE.py``: chart AP.
* PubTabNet ``src/metric.py``: TEDS.
* UPOCR ``eval/text_removal/evaluation.py`` (the legacy EraseNet script) and
  ``eval/segmentation.py``: pixel-level metrics.

METEOR needs WordNet. nltk cannot read Debian's ``wordnet-base`` as
installed, because the package has no ``lexnames`` file and nltk's path guard
rejects ``/usr/share/wordnet``. We work around both by allowing that directory
and supplying the fixed list of 45 WordNet-3.0 lexicographer-file names. If no
WordNet is found, ``meteor`` is ``nan``.

Heavy libraries (nltk, jieba, rdkit, apted, lxml, scipy, scikit-image) are
imported inside the functions, so ``import genocr.bench`` stays cheap.
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

__all__ = [
    "normalized_edit_distance",
    "tokenize",
    "ocr_scores",
    "cer",
    "wer",
    "teds",
    "smiles_match",
    "chart_ap",
    "chart_ap_corpus",
    "kern_edit_distance",
    "tikz_edit_distance",
    "mse",
    "psnr",
    "mssim",
    "age",
    "peps",
    "pceps",
    "removal_scores",
    "mask_counts",
    "mask_scores",
    "fg_iou",
    "f_measure",
    "tamper_scores",
    "tamper_class_scores",
    "wordnet_reader",
]

Lang = Literal["en", "zh", "auto"]
Level = Literal["word", "char"]

# GOT's eval (`contain_chinese_string`) uses exactly this range (CJK Unified Ideographs, basic block).
_CJK_RE = re.compile(r"[\u4e00-\u9fa5]")


# --------------------------------------------------------------------------------------
# Edit distance and tokenisation
# --------------------------------------------------------------------------------------


def normalized_edit_distance(
    pred: str | Sequence[str], gt: str | Sequence[str], tokens: bool = False
) -> float:
    """Levenshtein distance / max(len(pred), len(gt)); 0.0 when both are empty.

    This is GOT's and Fox's "edit distance" (``nltk.edit_distance(pred, gt) /
    max(len)``, unit costs, no transpositions); here rapidfuzz computes it.
    By default it counts characters. With ``tokens=True`` strings are split on
    whitespace and the distance counts words. Lists of tokens are used as
    given.
    """
    from rapidfuzz.distance import Levenshtein

    if tokens:
        pred = pred.split() if isinstance(pred, str) else list(pred)
        gt = gt.split() if isinstance(gt, str) else list(gt)
    elif not isinstance(pred, str) or not isinstance(gt, str):
        pred, gt = list(pred), list(gt)
    if len(pred) == 0 and len(gt) == 0:
        return 0.0
    return float(Levenshtein.normalized_distance(pred, gt))


def _has_chinese(text: str) -> bool:
    return bool(_CJK_RE.search(text))


@functools.lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def tokenize(text: str, lang: Lang = "auto", level: Level = "word") -> list[str]:
    """Split text into tokens the way GOT's eval scripts do.

    * ``level="char"``: ``list(text)``, spaces included (``eval_ocr_scene.py``,
      used for scene text in both languages).
    * ``level="word"``, ``lang="en"``: ``text.split()``.
    * ``level="word"``, ``lang="zh"``: ``jieba.lcut(text)`` in default
      (accurate, HMM) mode. jieba keeps whitespace runs as tokens, and GOT
      counts them too.
    * ``lang="auto"``: Chinese if the text has a character in U+4E00–U+9FA5.
      (``ocr_scores`` applies GOT's rule and checks both strings.)
    """
    if level == "char":
        return list(text)
    if level != "word":
        raise ValueError(f"level must be 'word' or 'char', not {level!r}")
    if lang == "auto":
        lang = "zh" if _has_chinese(text) else "en"
    if lang == "zh":
        return _jieba().lcut(text)
    if lang == "en":
        return text.split()
    raise ValueError(f"lang must be 'en', 'zh' or 'auto', not {lang!r}")


# --------------------------------------------------------------------------------------
# WordNet for METEOR
# --------------------------------------------------------------------------------------

#: WordNet 3.0 lexicographer files, numbered 00–44 (lexnames(5WN) manual page).
#: nltk needs this list to open a WordNet directory, and Debian's
#: ``wordnet-base`` does not ship the ``lexnames`` file.
WORDNET_LEXNAMES: tuple[str, ...] = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal",
    "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
    "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon",
    "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
    "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body",
    "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather",
    "adj.ppl",
)  # fmt: skip

_DEBIAN_WORDNET_DIR = "/usr/share/wordnet"
_WN_POS_NUMBER = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}


def _debian_wordnet(root: str):
    """nltk reader over a Debian-style WordNet directory (data.*/index.*/*.exc, no lexnames)."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _DebianWordNetReader(WordNetCorpusReader):
        def open(self, fileid):  # noqa: A003 - nltk API
            if fileid == "lexnames" and not os.path.exists(os.path.join(root, "lexnames")):
                lines = (
                    f"{i:02d}\t{name}\t{_WN_POS_NUMBER[name.split('.')[0]]}\n"
                    for i, name in enumerate(WORDNET_LEXNAMES)
                )
                return io.StringIO("".join(lines))
            return super().open(fileid)

        def map_wn(self, version="wordnet"):
            # Only used for the Open Multilingual WordNet, which needs index.sense
            # (absent from wordnet-base) and which METEOR does not use.
            return None

    real = os.path.realpath(root)
    if real not in nltk.data.path:
        nltk.data.path.append(real)  # nltk >= 3.9 reads only below its data paths
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        return _DebianWordNetReader(real, None)


@functools.lru_cache(maxsize=1)
def wordnet_reader():
    """Return an nltk WordNet reader for METEOR, or ``None`` if there is none.

    Tried in order:
    1. ``$GENOCR_WORDNET_DIR``, a Debian-style WordNet directory;
    2. nltk's own ``wordnet`` corpus (``nltk.download('wordnet')``);
    3. Debian's ``wordnet-base`` in ``/usr/share/wordnet``
       (``apt-get install wordnet-base``; WordNet 3.0, the same version as
       nltk's corpus).
    """
    env_dir = os.environ.get("GENOCR_WORDNET_DIR")
    if env_dir and os.path.isfile(os.path.join(env_dir, "data.noun")):
        try:
            return _debian_wordnet(env_dir)
        except Exception:  # pragma: no cover - broken user-supplied directory
            pass
    try:
        from nltk.corpus import wordnet

        wordnet.synsets("dog")
        return wordnet
    except LookupError:
        pass
    except Exception:  # pragma: no cover - nltk path guard or a corrupt corpus
        pass
    if os.path.isfile(os.path.join(_DEBIAN_WORDNET_DIR, "data.noun")):
        try:
            return _debian_wordnet(_DEBIAN_WORDNET_DIR)
        except Exception:  # pragma: no cover
            pass
    return None


def _meteor(reference: list[str], hypothesis: list[str]) -> float:
    wn = wordnet_reader()
    if wn is None:
        return float("nan")
    from nltk.translate.meteor_score import meteor_score

    return float(meteor_score([reference], hypothesis, wordnet=wn))


def _bleu(reference: list[str], hypothesis: list[str]) -> float:
    from nltk.translate.bleu_score import sentence_bleu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when a higher-order n-gram has no match
        return float(sentence_bleu([reference], hypothesis))


# --------------------------------------------------------------------------------------
# OCR text scores (GOT / Fox)
# --------------------------------------------------------------------------------------


def ocr_scores(
    pred: str,
    gt: str,
    lang: Lang = "auto",
    level: Level = "word",
    got_swap: bool = False,
) -> dict[str, float]:
    """Compute GOT's and Fox's per-sample OCR scores.

    Returns ``edit_distance``, ``f1``, ``precision``, ``recall``, ``bleu`` and
    ``meteor``, all as GOT's ``eval_ocr.py`` (``level="word"``) and
    ``eval_ocr_scene.py`` (``level="char"``) compute them:

    * ``edit_distance``: always on the raw strings, at character level, even
      when the other scores use words (see :func:`normalized_edit_distance`).
    * Precision, recall and F1 use *sets* of unique tokens. By default
      precision = |∩|/|pred set| and recall = |∩|/|gt set|. F1 is the harmonic
      mean.
    * ``bleu``: nltk ``sentence_bleu`` with default weights (1–4-grams, no
      smoothing), so it is 0 when no 4-gram matches.
    * ``meteor``: nltk ``meteor_score`` with default parameters (WordNet
      synonyms); ``nan`` if no WordNet is found (see :func:`wordnet_reader`).
    * ``lang="auto"`` picks jieba word tokens when *either* string has a
      Chinese character, which is GOT's rule.

    ``got_swap=True`` reproduces the argument swap in GOT and Fox: both call
    ``metrics(label, answer)`` on a ``(pred, gt)`` signature, so the model
    answer is treated as the reference. Reported precision is then
    |∩|/|gt set| and reported recall is |∩|/|pred set|, and BLEU and METEOR
    swap reference and hypothesis. ED and F1 do not change. Use it only to
    compare with published tables.

    Empty input: GOT's scripts drop any pair with an empty string from the
    averages. Here, two empty strings score as a perfect match (ED 0, the rest
    1.0), and one empty string scores as a total miss (ED 1.0, the rest 0.0).
    To average as GOT does, skip pairs where ``not pred or not gt``.
    """
    if level not in ("word", "char"):
        raise ValueError(f"level must be 'word' or 'char', not {level!r}")
    if lang == "auto":
        lang = "zh" if (_has_chinese(pred) or _has_chinese(gt)) else "en"
    pred_tok = tokenize(pred, lang, level)
    gt_tok = tokenize(gt, lang, level)

    ed = normalized_edit_distance(pred, gt)
    if not pred_tok and not gt_tok:
        return {"edit_distance": ed, "f1": 1.0, "precision": 1.0, "recall": 1.0,
                "bleu": 1.0, "meteor": 1.0}  # fmt: skip

    pred_set, gt_set = set(pred_tok), set(gt_tok)
    inter = len(pred_set & gt_set)
    precision = inter / len(pred_set) if pred_set else 0.0
    recall = inter / len(gt_set) if gt_set else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0

    if not pred_tok or not gt_tok:
        bleu = meteor = 0.0
    elif got_swap:
        bleu, meteor = _bleu(pred_tok, gt_tok), _meteor(pred_tok, gt_tok)
    else:
        bleu, meteor = _bleu(gt_tok, pred_tok), _meteor(gt_tok, pred_tok)
    if got_swap:
        precision, recall = recall, precision
    return {"edit_distance": ed, "f1": f1, "precision": precision, "recall": recall,
            "bleu": bleu, "meteor": meteor}  # fmt: skip


def _rate_empty_gt(pred: str, level: Level) -> float:
    units = pred.split() if level == "word" else list(pred.strip())
    return 0.0 if not units else 1.0


def cer(pred: str, gt: str) -> float:
    """Character error rate (S+D+I)/len(gt), from jiwer, with jiwer's default transform (strip only).

    When ``gt`` is empty after stripping, the result is 0.0 if ``pred`` is
    empty too and 1.0 otherwise. jiwer itself returns the raw insertion count
    there; we cap it so that one blank sample cannot dominate an average. When
    ``gt`` is not empty, CER can exceed 1 through insertions, as usual.
    """
    import jiwer

    if not gt.strip():
        return _rate_empty_gt(pred, "char")
    return float(jiwer.cer(gt, pred))


def wer(pred: str, gt: str) -> float:
    """Word error rate (S+D+I)/#gt-words, from jiwer, with whitespace word splitting.

    When ``gt`` has no words, the result is 0.0 if ``pred`` has none either and
    1.0 otherwise, the same convention as :func:`cer`. For Chinese, tokenise
    first (for example ``" ".join(tokenize(t, "zh"))``) or use :func:`cer`.
    """
    import jiwer

    if not gt.split():
        return _rate_empty_gt(pred, "word")
    return float(jiwer.wer(gt, pred))


def kern_edit_distance(pred: str, gt: str) -> float:
    """Normalised edit distance over whitespace tokens of ``**kern`` (spine tabs and newlines collapse).

    For sheet music, GOT's Table 3 (ED 0.046) reports the plain-text
    character-level ED of its generic ``eval_ocr.py`` on the raw kern string.
    That is ``ocr_scores(pred, gt)["edit_distance"]``. This token-level
    variant counts a wrong note or duration token as one error.
    """
    return normalized_edit_distance(pred.split(), gt.split())


def tikz_edit_distance(pred: str, gt: str) -> float:
    """Normalised edit distance over whitespace tokens of TikZ source.

    For geometry, GOT's Table 3 (ED 0.061) reports the character-level ED of
    its generic ``eval_ocr.py`` on the raw TikZ string, which is
    ``ocr_scores(pred, gt)["edit_distance"]``. This token-level variant
    ignores layout and indentation differences.
    """
    return normalized_edit_distance(pred.split(), gt.split())


# --------------------------------------------------------------------------------------
# TEDS (PubTabNet)
# --------------------------------------------------------------------------------------


class _TableNode:
    __slots__ = ("tag", "colspan", "rowspan", "content", "children")

    def __init__(self, tag: str, colspan: int | None, rowspan: int | None, content: list[str] | None):
        self.tag = tag
        self.colspan = colspan
        self.rowspan = rowspan
        self.content = content
        self.children: list[_TableNode] = []


def _cell_tokens(node, out: list[str]) -> None:
    # PubTabNet's cell tokens: '<tag>', the characters of the text, the children,
    # '</tag>', then the characters of the tail (not for the cell itself).
    out.append(f"<{node.tag}>")
    if node.text is not None:
        out.extend(node.text)
    for child in node:
        _cell_tokens(child, out)
    if node.tag != "unk":
        out.append(f"</{node.tag}>")
    if node.tag != "td" and node.tail is not None:
        out.extend(node.tail)


def _table_tree(node, structure_only: bool) -> _TableNode:
    if node.tag == "td":
        content: list[str] = []
        if not structure_only:
            _cell_tokens(node, content)
            content = content[1:-1]
        return _TableNode(
            "td", int(node.attrib.get("colspan", "1")), int(node.attrib.get("rowspan", "1")), content
        )
    tree = _TableNode(node.tag, None, None, None)
    tree.children = [_table_tree(child, structure_only) for child in node]
    return tree


def _first_table(markup: str):
    from lxml import etree, html

    parser = html.HTMLParser(remove_comments=True, encoding="utf-8")
    try:
        doc = html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    tables = doc.xpath("//table")
    return tables[0] if tables else None


def teds(
    pred_html: str,
    gt_html: str,
    structure_only: bool = False,
    th_as_td: bool = False,
    ignore_nodes: Sequence[str] = (),
) -> float:
    """Tree-Edit-Distance-based Similarity: ``1 - TED(pred, gt) / max(#nodes)``.

    This follows PubTabNet's reference (``src/metric.py``). The tree distance
    comes from ``apted``. Inserting or deleting a node costs 1. Renaming costs
    1 if the tag, colspan or rowspan differ. For two ``td`` cells it costs the
    normalised Levenshtein distance of their token lists (text characters plus
    inline tags like ``<b>``), unless ``structure_only``.

    Kept from the reference:

    * Node count = ``len(table.xpath('.//*'))``, i.e. every element below
      ``<table>`` (inline tags in cells too, but not the table itself).
    * ``th`` cells are not leaves, so their text is ignored. Set
      ``th_as_td=True`` to score them as ``td``, as several later benchmarks do.
    * Empty input or no ``<table>`` in either side gives 0.0.

    One difference: the reference needs ``<html><body><table>``. Here any
    fragment works, and the first ``<table>`` is used. ``ignore_nodes`` lists
    tags that are stripped (their content kept) before scoring, like the
    reference's option of the same name.
    """
    from apted import APTED, Config
    from lxml import etree
    from rapidfuzz.distance import Levenshtein

    if not pred_html or not gt_html:
        return 0.0
    pred_t, gt_t = _first_table(pred_html), _first_table(gt_html)
    if pred_t is None or gt_t is None:
        return 0.0
    for t in (pred_t, gt_t):
        if ignore_nodes:
            etree.strip_tags(t, *ignore_nodes)
        if th_as_td:
            for th in t.iter("th"):
                th.tag = "td"
    n_nodes = max(len(pred_t.xpath(".//*")), len(gt_t.xpath(".//*")))
    if n_nodes == 0:
        return 1.0 if pred_t.tag == gt_t.tag else 0.0

    class _Cost(Config):
        valuecls = float

        def rename(self, a: _TableNode, b: _TableNode) -> float:
            if a.tag != b.tag or a.colspan != b.colspan or a.rowspan != b.rowspan:
                return 1.0
            if a.tag == "td" and (a.content or b.content):
                return Levenshtein.normalized_distance(a.content, b.content)
            return 0.0

        def children(self, node: _TableNode) -> list[_TableNode]:
            return node.children

    distance = APTED(
        _table_tree(pred_t, structure_only), _table_tree(gt_t, structure_only), _Cost()
    ).compute_edit_distance()
    return 1.0 - float(distance) / n_nodes


# --------------------------------------------------------------------------------------
# SMILES
# --------------------------------------------------------------------------------------


def smiles_match(pred: str, gt: str) -> dict[str, Any]:
    """Compare molecules: ``exact`` (same canonical SMILES) and ``tanimoto``.

    ``tanimoto`` is the Tanimoto similarity of Morgan fingerprints (radius 2,
    2048 bits), computed with RDKit. An unparsable or empty ``pred`` gives
    ``exact=False`` and ``tanimoto=0.0``. An unparsable ``gt`` raises
    ``ValueError``: it is a data error, not a model error.
    """
    from rdkit import Chem, DataStructs, rdBase
    from rdkit.Chem import rdFingerprintGenerator

    with rdBase.BlockLogs():
        gt_mol = Chem.MolFromSmiles(gt) if gt and gt.strip() else None
        pred_mol = Chem.MolFromSmiles(pred) if pred and pred.strip() else None
    if gt_mol is None:
        raise ValueError(f"ground-truth SMILES does not parse: {gt!r}")
    if pred_mol is None:
        return {"exact": False, "tanimoto": 0.0}
    exact = Chem.MolToSmiles(pred_mol) == Chem.MolToSmiles(gt_mol)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    sim = DataStructs.TanimotoSimilarity(gen.GetFingerprint(pred_mol), gen.GetFingerprint(gt_mol))
    return {"exact": bool(exact), "tanimoto": float(sim)}


# --------------------------------------------------------------------------------------
# Charts: OneChart's ChartSE AP (SCRM)
# --------------------------------------------------------------------------------------

#: (max word edit distance, max relative number error) per level, from OneChart's
#: ``SCRM.py`` ``get_ap``; ``easy=1`` is what ``eval_ChartSE.py`` runs.
CHART_TOLERANCES: dict[bool, dict[str, tuple[int, float]]] = {
    True: {"strict": (0, 0.0), "slight": (2, 0.05), "high": (5, 0.10)},
    False: {"strict": (0, 0.1), "slight": (2, 0.3), "high": (5, 0.5)},
}
#: OneChart loops over ``np.arange(0.5, 1, 0.05)``. The float drift matters:
#: the 3rd threshold is 0.6000000000000001, so sim = 3/5 misses it.
CHART_SIM_THRESHOLDS: np.ndarray = np.arange(0.5, 1, 0.05)
_CHART_META_KEYS = ("title", "source", "x_title", "y_title")


def _close_braces(text: str) -> str:
    missing = text.count("{") - text.count("}")
    return text + "}" * missing if missing > 0 else text


def _chart_values(obj: Any) -> tuple[dict | None, bool]:
    """Return (values dict or None, counted-by-OneChart) for a chart prediction or GT."""
    if not isinstance(obj, Mapping):
        return None, False
    for key in ("values", "data"):
        if key in obj:
            values = obj[key]
            counted = isinstance(values, Mapping) and all(k in obj for k in _CHART_META_KEYS)
            return (dict(values) if isinstance(values, Mapping) else None), counted
    return dict(obj), True  # a bare values dict


def _chart_triples(values: Mapping) -> list[tuple]:
    def clean(v: Any) -> Any:
        s = re.sub(r"[^\d.-]", "", str(v))
        try:
            return float(s)
        except ValueError:
            return s.lower()

    out = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            out.extend((str(key).lower(), str(sub).lower(), clean(v)) for sub, v in value.items())
        else:
            out.append((str(key).lower(), "value", clean(value)))
    return out


def _align_chart_heads(pred: list[tuple], gt: list[tuple]) -> None:
    # OneChart pairs triples by position: when the GT triple at the same index is a
    # single-series value, the prediction's header becomes "value"; then the two
    # head fields of both triples are sorted. Positions past the shorter list are
    # left alone.
    for i in range(min(len(pred), len(gt))):
        p, g = pred[i], gt[i]
        if g[1] == "value" and "value" not in p[:2]:
            p = (p[0], "value", p[2])
        ph, gh = sorted(p[:2]), sorted(g[:2])
        pred[i] = (ph[0], ph[1], p[2])
        gt[i] = (gh[0], gh[1], g[2])


def _chart_sim(pred: list[tuple], gt: list[tuple], tol_word: int, tol_num: float) -> float:
    from rapidfuzz.distance import Levenshtein

    def match(p: tuple, g: tuple) -> bool:
        if isinstance(p[-1], float) and isinstance(g[-1], float):
            if abs(p[-1] - g[-1]) / (abs(g[-1]) + 1e-6) > tol_num:
                return False
            hp, hg = "".join(p[:-1]), "".join(g[:-1])
            return Levenshtein.distance(hp, hg) <= tol_word or hp in hg or hg in hp
        sp, sg = "".join(str(x) for x in p), "".join(str(x) for x in g)
        return Levenshtein.distance(sp, sg) <= tol_word

    pset, gset = set(pred), set(gt)
    inter = {p for p in pset if any(match(p, g) for g in gset)}
    union = (pset | gset) - (inter - (pset & gset))
    if not union:
        return 1.0  # both empty (OneChart would divide by zero)
    return len(inter) / len(union)


def _parse_chart_pred(pred: str | Mapping, lenient: bool) -> Any:
    if not isinstance(pred, str):
        return pred
    text = _close_braces(pred.strip())
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        if not lenient:
            return None
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def chart_ap(
    pred: str | Mapping, gt: Mapping, easy: bool = True, lenient: bool = False
) -> dict[str, Any]:
    """Compute OneChart's ChartSE AP@strict / AP@slight / AP@high (SCRM) for one chart.

    Source: OneChart ``ChartSE_eval/SCRM.py`` and ``eval_ChartSE.py``, read in
    the stored copy at commit 089b3559. The summary in ``got.md`` §4 agrees.

    * ``values`` (``{label: number}`` or ``{label: {series: number}}``) becomes
      (entity, header, value) triples. A single-series value gets the header
      "value". Every character outside ``[0-9.-]`` is removed from the value,
      which then becomes a float if possible. Text is lowercased.
    * The heads are aligned by position (see ``_align_chart_heads``).
    * A predicted triple matches a GT triple if both values are numbers,
      |p−g|/(|g|+1e-6) ≤ tol_num, and either the joined heads are within
      tol_word edits or one head string contains the other. Otherwise the whole
      joined triples must be within tol_word edits.
    * sim = |matched pred| / |(P ∪ G) − (matched − (P ∩ G))|. It can exceed 1
      when several predicted triples match one GT triple; OneChart does not cap
      it. Both empty gives 1.0.
    * Tolerances with ``easy=True`` (the published setting): strict (0 edits,
      0%), slight (2, 5%), high (5, 10%). ``easy=False``: 10%, 30%, 50%.
    * AP@X = the share of the 10 thresholds ``np.arange(0.5, 1, 0.05)`` that
      sim reaches. The corpus AP is the mean over charts (:func:`chart_ap_corpus`).

    ``pred`` is the model output: a JSON string (missing closing braces are
    added, as OneChart does) or a dict. Either form can be a full chart
    (``title``, ``source``, ``x_title``, ``y_title``, ``values`` or ``data``)
    or a bare values dict. ``gt`` is a ChartSE ``gts`` entry or its ``values``
    dict. ``lenient=True`` also accepts Python-literal dicts, which OneChart
    does not.

    Returns ``ap_strict``, ``ap_slight``, ``ap_high``, ``sim_*``, ``parsed``
    (a values dict was found) and ``counted``. ``counted`` is False when
    OneChart's script would drop the sample (unparsable, or a full chart
    missing a title, source, x_title or y_title key).
    """
    gt_values, _ = _chart_values(gt)
    if gt_values is None:
        raise ValueError("gt must be a ChartSE gts dict with a 'values' dict, or a values dict")
    pred_values, counted = _chart_values(_parse_chart_pred(pred, lenient))
    out: dict[str, Any] = {"parsed": pred_values is not None, "counted": counted and pred_values is not None}
    for level, (tol_word, tol_num) in CHART_TOLERANCES[bool(easy)].items():
        if pred_values is None:
            sim = 0.0
        else:
            p, g = _chart_triples(pred_values), _chart_triples(gt_values)
            _align_chart_heads(p, g)
            sim = _chart_sim(p, g, tol_word, tol_num)
        out[f"sim_{level}"] = sim
        out[f"ap_{level}"] = float(np.mean([sim >= t for t in CHART_SIM_THRESHOLDS]))
    return out


def chart_ap_corpus(
    preds: Sequence[str | Mapping],
    gts: Sequence[Mapping],
    easy: bool = True,
    onechart_filter: bool = True,
    lenient: bool = False,
) -> dict[str, float]:
    """Average :func:`chart_ap` over a benchmark, as ``eval_ChartSE.py`` does.

    With ``onechart_filter=True``, samples OneChart would drop (``counted`` is
    False) are left out of the mean. ``structure_accuracy`` = counted/total is
    returned alongside, as OneChart prints it. With ``False``, dropped samples
    count as 0.
    """
    if len(preds) != len(gts):
        raise ValueError("preds and gts differ in length")
    rows = [chart_ap(p, g, easy=easy, lenient=lenient) for p, g in zip(preds, gts)]
    kept = [r for r in rows if r["counted"]] if onechart_filter else rows
    out: dict[str, float] = {}
    for level in ("strict", "slight", "high"):
        vals = [r[f"ap_{level}"] for r in kept]
        out[f"ap_{level}"] = float(np.mean(vals)) if vals else float("nan")
    out["n_scored"] = len(kept)
    out["structure_accuracy"] = sum(r["counted"] for r in rows) / len(rows) if rows else float("nan")
    return out


# --------------------------------------------------------------------------------------
# Pixel metrics: text removal (UPOCR / EraseNet legacy evaluator)
# --------------------------------------------------------------------------------------


def _unit_float(img: Any) -> np.ndarray:
    """Array in [0, 1], like torchvision ToTensor: integer images are divided by 255."""
    a = np.asarray(img)
    if a.dtype == np.bool_:
        return a.astype(np.float64)
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.float64) / 255.0
    return a.astype(np.float64)


def _luma(img: Any) -> np.ndarray:
    """Luminance Y = .299R + .587G + .114B in [0, 1]; 2-D input is taken as grey already."""
    a = _unit_float(img)
    if a.ndim == 2:
        return a
    if a.ndim == 3 and a.shape[-1] in (3, 4):
        return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    raise ValueError(f"expected HxW or HxWx3 image, got shape {a.shape}")


def _check_shapes(pred: Any, gt: Any) -> None:
    if np.shape(pred) != np.shape(gt):
        raise ValueError(f"shape mismatch: pred {np.shape(pred)} vs gt {np.shape(gt)}")


def mse(pred: Any, gt: Any) -> float:
    """Mean squared error over all pixels and channels, with values in [0, 1] (UPOCR's ``mse``).

    Papers print it ×100 (SCUT-EnsText "0.04" means about 4e-4). The legacy
    script first resizes both images to 512 px on the shorter side (bicubic);
    do that before calling if you want matching numbers.
    """
    from skimage.metrics import mean_squared_error

    _check_shapes(pred, gt)
    return float(mean_squared_error(_unit_float(gt), _unit_float(pred)))


def psnr(pred: Any, gt: Any) -> float:
    """PSNR = 10·log10(1/MSE) with values in [0, 1] (UPOCR). Identical images give ``inf``.

    UPOCR leaves images with MSE = 0 out of the PSNR average.
    """
    from skimage.metrics import peak_signal_noise_ratio

    _check_shapes(pred, gt)
    if mse(pred, gt) == 0.0:
        return math.inf
    return float(peak_signal_noise_ratio(_unit_float(gt), _unit_float(pred), data_range=1.0))


def _gauss_window(size: int, sigma: float) -> np.ndarray:
    # MATLAB fspecial('gaussian'): grid -size//2+1 .. size//2 (asymmetric for even size).
    ax = np.arange(-size // 2 + 1, size // 2 + 1, dtype=np.float64)
    x, y = np.meshgrid(ax, ax, indexing="ij")
    g = np.exp(-(x**2 + y**2) / (2.0 * sigma**2))
    return g / g.sum()


def _ssim_and_cs(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    from scipy.signal import fftconvolve

    size = min(a.shape[0], 11)  # the legacy script looks at the height only
    window = _gauss_window(size, 1.5)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1 = fftconvolve(a, window, mode="valid")
    mu2 = fftconvolve(b, window, mode="valid")
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    s1 = fftconvolve(a * a, window, mode="valid") - mu1_sq
    s2 = fftconvolve(b * b, window, mode="valid") - mu2_sq
    s12 = fftconvolve(a * b, window, mode="valid") - mu12
    cs_map = (2 * s12 + c2) / (s1 + s2 + c2)
    ssim_map = (2 * mu12 + c1) / (mu1_sq + mu2_sq + c1) * cs_map
    return float(ssim_map.mean()), float(cs_map.mean())


_MSSSIM_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])


def mssim(pred: Any, gt: Any) -> float:
    """Compute the "MSSIM" of UPOCR and EraseNet's legacy script, bug included. Papers print it ×100.

    This is MS-SSIM on the luminance Y (0–255). It uses a Gaussian window of
    11 (or the image height if smaller), σ 1.5, K1 .01, K2 .03, L 255, 'valid'
    convolution, and the 5 weights [.0448 .2856 .3001 .2363 .1333]. The legacy
    loop never uses its downsampled images, so all five "scales" are the full
    image. The value is therefore sign·|mean cs|^0.8668 · sign·|mean ssim|^0.1333.
    We keep this so results compare with the literature. Images must be at
    least as wide as the window.
    """
    _check_shapes(pred, gt)
    y_gt, y_pred = _luma(gt) * 255.0, _luma(pred) * 255.0
    ssim_val, cs_val = _ssim_and_cs(y_gt, y_pred)
    w = _MSSSIM_WEIGHTS
    cs_part = np.prod(np.sign(cs_val) * np.abs(cs_val) ** w[:4])
    ssim_part = np.sign(ssim_val) * np.abs(ssim_val) ** w[4]
    return float(cs_part * ssim_part)


def _grey_diff(pred: Any, gt: Any) -> np.ndarray:
    _check_shapes(pred, gt)
    return np.abs(_luma(pred) * 255.0 - _luma(gt) * 255.0).round().astype(np.uint8)


def age(pred: Any, gt: Any) -> float:
    """Average of the absolute grey-level difference, 0–255, where grey is Y (UPOCR's AGE; the difference is rounded to integers first)."""
    return float(_grey_diff(pred, gt).mean())


def peps(pred: Any, gt: Any, threshold: int = 20) -> float:
    """Fraction of error pixels, |ΔY| > 20 on the 0–255 scale (UPOCR's pEPs).

    The legacy script divides by 512·512 whatever the size. We divide by H·W,
    which is the same for the 512² images it expects.
    """
    err = _grey_diff(pred, gt) > threshold
    return float(err.sum() / err.size)


def pceps(pred: Any, gt: Any, threshold: int = 20) -> float:
    """Fraction of clustered error pixels (UPOCR's pCEPs).

    A clustered error pixel is an error pixel whose 4 neighbours are all error
    pixels: binary erosion with the 4-neighbour cross, where pixels outside the
    image count as correct (scipy's default). Divided by H·W, as in
    :func:`peps`.
    """
    from scipy.ndimage import binary_erosion

    err = _grey_diff(pred, gt) > threshold
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
    return float(binary_erosion(err, cross).sum() / err.size)


def removal_scores(pred: Any, gt: Any) -> dict[str, float]:
    """Return all UPOCR text-removal metrics for one image pair: psnr, mssim, mse, age, peps, pceps."""
    return {"psnr": psnr(pred, gt), "mssim": mssim(pred, gt), "mse": mse(pred, gt),
            "age": age(pred, gt), "peps": peps(pred, gt), "pceps": pceps(pred, gt)}  # fmt: skip


# --------------------------------------------------------------------------------------
# Pixel metrics: text segmentation and tamper detection (UPOCR)
# --------------------------------------------------------------------------------------


def mask_counts(pred: Any, gt: Any, ignore_value: int | None = None) -> dict[str, int]:
    """Count pixels of two binary masks: tp, fp, fn, tn (nonzero = foreground).

    Pixels where ``gt == ignore_value`` are skipped. UPOCR paints ignore
    regions as 128 in TextSeg targets, so pass ``ignore_value=128`` there.
    UPOCR accumulates one confusion matrix over the whole test set: sum these
    counts over images and call :func:`mask_scores` once to get its numbers.
    """
    p, g = np.asarray(pred), np.asarray(gt)
    if p.shape != g.shape:
        raise ValueError(f"shape mismatch: pred {p.shape} vs gt {g.shape}")
    keep = np.ones(g.shape, bool) if ignore_value is None else g != ignore_value
    pb, gb = (p != 0) & keep, (g != 0) & keep
    return {"tp": int((pb & gb).sum()), "fp": int((pb & ~gb & keep).sum()),
            "fn": int((~pb & gb & keep).sum()), "tn": int((~pb & ~gb & keep).sum())}  # fmt: skip


def _div(a: float, b: float) -> float:
    return a / b if b else float("nan")


def mask_scores(counts: Mapping[str, int]) -> dict[str, float]:
    """Compute precision, recall, f (2PR/(P+R)) and iou (TP/(TP+FP+FN)) from :func:`mask_counts`.

    0/0 gives ``nan``, as in UPOCR's numpy evaluator.
    """
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    p, r = _div(tp, tp + fp), _div(tp, tp + fn)
    f = _div(2 * p * r, p + r) if not (math.isnan(p) or math.isnan(r)) else float("nan")
    return {"precision": p, "recall": r, "f": f, "iou": _div(tp, tp + fp + fn)}


def fg_iou(pred: Any, gt: Any, ignore_value: int | None = None) -> float:
    """Foreground (text) IoU of binary masks, TP/(TP+FP+FN): UPOCR/TextSeg fgIoU."""
    return mask_scores(mask_counts(pred, gt, ignore_value))["iou"]


def f_measure(pred: Any, gt: Any, ignore_value: int | None = None) -> float:
    """Text-class F = 2PR/(P+R) of binary masks, as UPOCR reports for TextSeg."""
    return mask_scores(mask_counts(pred, gt, ignore_value))["f"]


def tamper_scores(pred: Any, gt: Any, ignore_value: int | None = None) -> dict[str, float]:
    """Pixel-level precision, recall, f and iou for a binary tampered-text mask (one UPOCR class)."""
    return mask_scores(mask_counts(pred, gt, ignore_value))


def tamper_class_scores(pred: Any, gt: Any) -> dict[str, float]:
    """Score UPOCR's Tampered-IC13 maps: 0 = background, 1 = real text, 2 = tampered text.

    Builds one 3×3 pixel confusion matrix and returns IoU/P/R/F for real
    (``*_real``) and tampered (``*_tampered``) text. ``miou`` and ``mf`` are
    nan-means over those two classes; background is not counted. GT values
    outside 0–2 are ignored.
    """
    p, g = np.asarray(pred).astype(np.int64), np.asarray(gt).astype(np.int64)
    if p.shape != g.shape:
        raise ValueError(f"shape mismatch: pred {p.shape} vs gt {g.shape}")
    keep = (g >= 0) & (g < 3) & (p >= 0) & (p < 3)
    cm = np.bincount(3 * g[keep] + p[keep], minlength=9).reshape(3, 3).astype(np.float64)
    tp = np.diag(cm)
    fp, fn = cm.sum(axis=0) - tp, cm.sum(axis=1) - tp
    out: dict[str, float] = {}
    for cls, name in ((1, "real"), (2, "tampered")):
        s = mask_scores({"tp": tp[cls], "fp": fp[cls], "fn": fn[cls]})
        for k, v in s.items():
            out[f"{k}_{name}"] = float(v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan slice
        out["miou"] = float(np.nanmean([out["iou_real"], out["iou_tampered"]]))
        out["mf"] = float(np.nanmean([out["f_real"], out["f_tampered"]]))
    return out
