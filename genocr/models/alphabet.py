"""The characters genocr's CTC readers spell (no torch here: the ONNX line reader needs it too)."""
from __future__ import annotations


def _alphabet() -> str:
    ascii_ = [chr(c) for c in range(0x20, 0x7F)]
    latin = [chr(c) for c in range(0xA1, 0x180) if chr(c).isprintable() and c != 0xAD]  # no soft hyphen
    greek = [chr(c) for c in range(0x391, 0x3CA) if chr(c).isalpha()]
    marks = "–—‘’‚“”„†‡•…‰′″‹›€™№−∓∞∑∏∫√∂∆∇∈∉⊂⊃⊆∪∩∧∨→←↑↓↔⇒⇔≤≥≠≈≡∼▪●■□◦✓"
    return "".join(dict.fromkeys([*ascii_, *latin, *greek, *marks]))


#: What the head can spell: printable ASCII; the Latin-1 and Latin Extended-A letters and signs
#: (Faker's European locales, names and prices on real pages); Greek; typographic punctuation,
#: bullets and the math signs of inline equations. Not CJK: a Chinese stage needs a larger one.
ALPHABET = _alphabet()
