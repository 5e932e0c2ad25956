"""Text OCR scores as GOT's and Fox's evaluation scripts compute them (edit distance, F1/P/R on token sets, BLEU, METEOR), plus CER/WER."""
from __future__ import annotations

import functools
import io
import os
import re
import warnings
from collections.abc import Sequence
from typing import Literal

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


def bleu(reference: list[str], hypothesis: list[str]) -> float:
    """nltk's sentence BLEU (1-4-grams, equal weights, no smoothing) of token lists."""
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
        bleu_score = meteor = 0.0
    elif got_swap:
        bleu_score, meteor = bleu(pred_tok, gt_tok), _meteor(pred_tok, gt_tok)
    else:
        bleu_score, meteor = bleu(gt_tok, pred_tok), _meteor(gt_tok, pred_tok)
    if got_swap:
        precision, recall = recall, precision
    return {"edit_distance": ed, "f1": f1, "precision": precision, "recall": recall,
            "bleu": bleu_score, "meteor": meteor}  # fmt: skip


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
