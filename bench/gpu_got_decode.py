"""Decode speed of the full-size GOT-OCR2.0 architecture on a GPU, against the bandwidth limit.

Random weights are enough: decoding time does not depend on their values, and a fixed output
length (``min_new_tokens = max_new_tokens``, no end token) makes runs comparable. Decoding one
token reads every language-model weight once, so ``copy bandwidth / decoder weight bytes`` is
the tokens/s a batch-1 decoder cannot beat; the measured rate is reported beside it.

    python bench/gpu_got_decode.py --new-tokens 512 --batch 1 8 --out bench/results/gpu_got_decode.md

Needs a CUDA device; anywhere else it refuses with one line.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

DEVICE = "cuda"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--new-tokens", type=int, default=512, help="fixed output length per sequence")
    p.add_argument("--batch", type=int, nargs="+", default=[1, 8], help="batch sizes to time")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per batch size (median reported)")
    p.add_argument("--prompt-tokens", type=int, default=16, help="text tokens after the image tokens")
    p.add_argument("--out", type=Path, help="also write the markdown report here")
    return p.parse_args(argv)


def build_config():
    from transformers import GotOcr2Config

    # The vision default initializer_range (1e-10) makes near-zero weights; 0.02 is a normal init.
    return GotOcr2Config(vision_config={"initializer_range": 0.02})


def count_params(config) -> tuple[int, int]:
    """(all parameters, language model + head) of the architecture, built on the meta device."""
    from transformers import GotOcr2ForConditionalGeneration

    with torch.device("meta"):
        model = GotOcr2ForConditionalGeneration(config)
    total = sum(p.numel() for p in model.parameters())
    decoder = {id(p): p.numel() for p in [*model.model.language_model.parameters(), model.lm_head.weight]}
    return total, sum(decoder.values())  # a tied head is the embedding table: counted once


def copy_bandwidth(gib: float = 2.0, repeats: int = 20) -> float:
    """Device-to-device copy bandwidth in bytes/s: every copied byte is read once and written once."""
    src = torch.empty(int(gib * 2**30), dtype=torch.uint8, device=DEVICE)
    dst = torch.empty_like(src)
    dst.copy_(src)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        dst.copy_(src)
    torch.cuda.synchronize()
    return 2 * src.numel() * repeats / (time.perf_counter() - start)


def timed_generate(model, inputs: dict, new_tokens: int) -> float:
    torch.cuda.synchronize()
    start = time.perf_counter()
    model.generate(**inputs, min_new_tokens=new_tokens, max_new_tokens=new_tokens, do_sample=False,
                   eos_token_id=None, pad_token_id=0)  # fmt: skip
    torch.cuda.synchronize()
    return time.perf_counter() - start


def make_inputs(model, config, batch: int, prompt_tokens: int) -> dict:
    """A 1024-px random image, its image tokens (counted by running the vision tower) and some text."""
    size = config.vision_config.image_size
    pixels = torch.randn(batch, 3, size, size, device=DEVICE, dtype=torch.bfloat16)
    with torch.no_grad():
        n_image = model.model.get_image_features(pixels[:1]).pooler_output.shape[1]
    text = torch.randint(1000, 100_000, (batch, prompt_tokens), device=DEVICE)
    image = torch.full((batch, n_image), config.image_token_id, device=DEVICE)
    ids = torch.cat([text[:, :4], image, text[:, 4:]], dim=1)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "pixel_values": pixels}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not torch.cuda.is_available():
        print("gpu_got_decode: error: no CUDA device; this script only measures GPU decoding", file=sys.stderr)
        return 2
    from transformers import GotOcr2ForConditionalGeneration

    config = build_config()
    total, decoder = count_params(config)
    torch.manual_seed(0)
    with torch.device(DEVICE):
        model = GotOcr2ForConditionalGeneration(config).to(torch.bfloat16).eval()
    bandwidth = copy_bandwidth()
    ideal = bandwidth / (decoder * 2)  # bf16: 2 bytes per weight, all read once per decoding step
    rows = []
    for batch in args.batch:
        inputs = make_inputs(model, config, batch, args.prompt_tokens)
        timed_generate(model, inputs, 8)  # warm-up: kernels, allocator
        ttft = statistics.median(timed_generate(model, inputs, 1) for _ in range(args.repeats))
        total_s = statistics.median(timed_generate(model, inputs, args.new_tokens) for _ in range(args.repeats))
        decode_tok_s = batch * (args.new_tokens - 1) / (total_s - ttft)
        rows.append(f"| {batch} | {inputs['input_ids'].shape[1]} | {ttft * 1000:.1f} | {total_s:.2f} | "
                    f"{decode_tok_s:.1f} | {batch * ideal:.1f} | {decode_tok_s / (batch * ideal):.0%} |")  # fmt: skip
    report = "\n".join([
        f"# GOT-OCR2.0 decode speed ({torch.cuda.get_device_name()}, bf16, random weights)", "",
        f"Parameters: {total / 1e6:.1f} M in all, {decoder / 1e6:.1f} M in the decoder "
        f"({decoder * 2 / 2**30:.2f} GiB bf16). Copy bandwidth: {bandwidth / 1e9:.0f} GB/s "
        f"-> ideal {ideal:.0f} tokens/s per sequence. {args.new_tokens} new tokens, median of {args.repeats}.", "",
        "| batch | prompt tokens | TTFT ms | total s | decode tokens/s | ideal tokens/s | of ideal |",
        "|---|---|---|---|---|---|---|", *rows,
    ])  # fmt: skip
    print(report)
    if args.out:
        from genocr.io import atomic_write

        atomic_write(args.out, report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
