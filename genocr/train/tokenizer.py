"""The byte-level BPE tokenizer of genocr's own models, trained on the data engine's targets.

Training on the targets (plain text in English and Chinese, LaTeX, SMILES, **kern, TikZ,
chart dicts) gives merges for exactly what the models must write; byte-level BPE never meets
an unknown character.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<imgpad>",
    "<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>",
]
# GOT's query words, so prompts tokenise into few tokens.
PROMPT_TEXT = ["OCR: ", "OCR with format: ", "upon the patch reference: ", "across multi pages: ",
               "[red] ", "[green] ", "[blue] ", "[100, 200, 300, 400] ", "user\n", "assistant\n"]


def train_tokenizer(texts: Iterable[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A byte-level BPE of ``vocab_size`` tokens with GOT's special tokens, ids 0..11."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train_from_iterator(_with_prompts(texts), trainer)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")


def _with_prompts(texts: Iterable[str]) -> Iterator[str]:
    for _ in range(50):
        yield from PROMPT_TEXT
    yield from texts


def engine_targets(counts: dict[str, int], seed: int) -> Iterator[str]:
    """Ground-truth texts of ``counts[kind]`` data-engine samples per kind (a held-apart seed)."""
    from genocr.data.engine import generate

    for kind, n in counts.items():
        for i in range(n):
            yield generate(kind, seed, i).target
