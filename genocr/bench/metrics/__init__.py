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

from genocr.bench.metrics.text import bleu, normalized_edit_distance, tokenize, wordnet_reader, ocr_scores, cer, wer, kern_edit_distance, tikz_edit_distance
from genocr.bench.metrics.table import teds
from genocr.bench.metrics.molecule import smiles_match
from genocr.bench.metrics.chart import chart_ap, chart_ap_corpus
from genocr.bench.metrics.pixel import mse, psnr, mssim, age, peps, pceps, removal_scores, mask_counts, mask_scores, fg_iou, f_measure, tamper_scores, tamper_class_scores

__all__ = ["age", "cer", "chart_ap", "chart_ap_corpus", "f_measure", "fg_iou", "kern_edit_distance", "mask_counts", "mask_scores", "mse", "mssim", "normalized_edit_distance", "ocr_scores", "pceps", "peps", "psnr", "removal_scores", "smiles_match", "tamper_class_scores", "tamper_scores", "teds", "tikz_edit_distance", "tokenize", "wer", "wordnet_reader"]
