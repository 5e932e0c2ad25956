"""A corpus of malformed inputs and hostile options, made here from a seed, and a run of the CLI
over it that counts what a user must never see.

Each case is a command line (``read``, ``erase`` or ``segment``) with the files it needs:
truncated, bit-flipped and mislabelled images and PDFs, slivers, headers that claim huge
sizes, PDFs without pages or with a page of 150,000 drawing objects, boxes and page ranges
that are not numbers or not finite, broken model folders, file names that are not UTF-8 or
are very long, unwritable outputs, and batches that mix good and bad inputs. The run
(:func:`run`) reports tracebacks ("internal error" included), runs past the time limit, peak
memory, and the files left half-written; a mixed batch must write every good input's output
and exit 1.
"""
from __future__ import annotations

import io
import os
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw


@dataclass
class Case:
    name: str
    args: list[str]  # after "genocr"; paths are relative to the case's folder
    files: dict[str, bytes] = field(default_factory=dict)
    good_outputs: list[str] = field(default_factory=list)  # must exist after the run (batches)


def _png(size: tuple[int, int] = (300, 80), mode: str = "RGB", text: str = "Hello corpus") -> bytes:
    image = Image.new(mode, size, "white" if mode != "1" else 1)
    if mode in ("RGB", "L") and min(size) > 10:
        ImageDraw.Draw(image).text((5, size[1] // 3), text, fill="black")
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _encode(image: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def _pdf(pages: int = 1, size: tuple[float, float] = (612, 792), objects: int = 0) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        ops = b"BT /F1 12 Tf 72 700 Td (Hello corpus) Tj ET\n"
        ops += b"".join(b"%d %d m %d %d l S\n" % (i % 500, i % 700, (i * 7) % 500, (i * 3) % 700) for i in range(objects))
        font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, *size], Contents=pikepdf.Stream(pdf, ops),
                                  Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
        pdf.pages.append(pikepdf.Page(page))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def _mutations(rng: random.Random, data: bytes, n: int) -> list[bytes]:
    """Truncations, bit flips, zeroed runs and spliced headers of ``data``."""
    out = []
    for k in range(n):
        d = bytearray(data)
        how = k % 4
        if how == 0:
            d = d[: rng.randrange(1, max(2, len(d)))]
        elif how == 1:
            for _ in range(rng.randrange(1, 20)):
                i = rng.randrange(len(d))
                d[i] ^= 1 << rng.randrange(8)
        elif how == 2:
            i = rng.randrange(len(d))
            d[i : i + rng.randrange(1, 64)] = bytes(min(64, len(d) - i))
        else:
            d = bytearray(data[: rng.randrange(8, 64)]) + bytearray(rng.randbytes(rng.randrange(1, 256)))
        out.append(bytes(d))
    return out


def cases(seed: int = 0, n_mutations: int = 75) -> list[Case]:
    """The corpus: at least 500 cases for the default ``n_mutations``."""
    rng = random.Random(seed)
    good = _png()
    page = Image.open(io.BytesIO(good)).convert("RGB")
    seeds = {"png": good, "jpg": _encode(page, "JPEG"), "tif": _encode(page, "TIFF"), "webp": _encode(page, "WEBP"),
             "bmp": _encode(page, "BMP"), "pdf": _pdf()}
    out: list[Case] = []
    for ext, data in seeds.items():
        for k, bad in enumerate(_mutations(rng, data, n_mutations)):
            cmd = ("erase", "segment")[k % 2] if ext != "pdf" and k % 3 == 2 else "read"  # a third to the pixel model
            extra = ["--out", "out"] if cmd != "read" else []
            out.append(Case(f"mutated-{ext}-{k}", [cmd, f"in.{ext}", *extra], {f"in.{ext}": bad}))
    slivers = {"1x1": (1, 1), "1x500": (1, 500), "500x1": (500, 1), "2x2": (2, 2), "3x3000": (3, 3000)}
    for name, size in slivers.items():
        for cmd in ("read", "segment"):
            out.append(Case(f"sliver-{name}-{cmd}", [cmd, "in.png", *(["--out", "out"] if cmd != "read" else [])],
                            {"in.png": _png(size)}))
    huge = bytearray(good)
    huge[16:24] = (100_000).to_bytes(4, "big") + (100_000).to_bytes(4, "big")  # the IHDR's width and height
    out.append(Case("huge-header-png", ["read", "in.png"], {"in.png": bytes(huge)}))
    out.append(Case("huge-grey-png-segment", ["segment", "in.png", "--out", "out"],
                    {"in.png": _encode(Image.new("L", (8000, 8000), 255), "PNG")}))
    for name, data in {"empty": b"", "text": b"not an image at all\n", "pdf-in-png": seeds["pdf"],
                       "png-in-pdf": good, "html": b"<html><body>x</body></html>"}.items():
        out.append(Case(f"wrong-{name}", ["read", "in.png" if "in-pdf" not in name else "in.pdf"],
                        {"in.png" if "in-pdf" not in name else "in.pdf": data}))
    out.append(Case("pdf-no-pages", ["read", "in.pdf"], {"in.pdf": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                                                          b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"}))
    out.append(Case("pdf-tiny-page", ["read", "in.pdf"], {"in.pdf": _pdf(size=(0.1, 0.1))}))
    out.append(Case("pdf-huge-page", ["read", "in.pdf"], {"in.pdf": _pdf(size=(14400, 14400))}))
    out.append(Case("pdf-many-objects", ["read", "in.pdf"], {"in.pdf": _pdf(objects=150_000)}))
    out.append(Case("pdf-200-pages", ["read", "in.pdf", "--max-pages", "50"], {"in.pdf": _pdf(pages=200)}))
    boxes = ["0,0,inf,10", "0,0,1e309,10", "-inf,0,5,5", "nan,1,2,3", "0,0,1,1", "10,10,400,12", "5,5,1,1",
             "a,b,c,d", "1,2,3", "0,0,99999,99999", "-5,-5,10,10", "1,2,3,4,5", "", "   "]
    for k, box in enumerate(boxes):
        out.append(Case(f"box-{k}", ["read", "in.png", f"--box={box}"], {"in.png": good}))
    for k, pages in enumerate(["0", "-1", "1-", "a", "99999999", "3-1", "1,,2", "2"]):
        out.append(Case(f"pages-{k}", ["read", "in.pdf", f"--pages={pages}"], {"in.pdf": seeds["pdf"]}))
    for k, opts in enumerate([["--dpi", "0"], ["--dpi", "100000"], ["--tiles", "x"], ["--tiles", "0"],
                              ["--workers", "0"], ["--workers", "x"], ["--color", "purple"], ["--color", "red"],
                              ["--task", "poem"], ["--to", "docx"], ["--device", "cuda"], ["--device", "tpu"],
                              ["--dtype", "float16"], ["--max-pixels", "0"], ["--to", "pdf"], ["--skip-existing"],
                              ["--model", "no/such/model"], ["--model", "nowhere"]]):
        out.append(Case(f"option-{k}", ["read", "in.png", *opts], {"in.png": good}))
    for k, opts in enumerate([["--device", "cuda"], ["--model", "nowhere"], ["--baseline", "--raw"]]):
        out.append(Case(f"pixel-option-{k}", ["segment", "in.png", "--out", "out", *opts], {"in.png": good}))
    for name, content in {"config-list": b"[1,2]", "config-string": b'"x"', "config-bad-json": b"{",
                          "config-family-list": b'{"genocr_family": ["genocr_line"]}',
                          "config-unknown-family": b'{"model_type": "bert"}'}.items():
        out.append(Case(f"model-{name}", ["read", "in.png", "--model", "m"], {"in.png": good, "m/config.json": content}))
    out.append(Case("model-truncated-weights", ["read", "in.png", "--model", "m"],
                    {"in.png": good, "m/config.json": b'{"genocr_family": "genocr_line", "model_type": "genocr_line"}',
                     "m/model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}"}))
    out.append(Case("pixel-model-list", ["segment", "in.png", "--out", "out", "--model", "m"],
                    {"in.png": good, "m/config.json": b"[]", "m/model.safetensors": b"\x00" * 32}))
    long = "x" * 244
    out.append(Case("long-name", ["read", f"{long}.png", "--out", "out"], {f"{long}.png": good}))
    out.append(Case("latin1-name", ["read", "caf\udce9.png", "--out", "out", "--to", "json"], {"caf\udce9.png": good}))
    out.append(Case("output-is-folder", ["read", "a.png", "b.png", "--out", "out"],
                    {"a.png": good, "b.png": good, "out/a.txt/keep": b""}, good_outputs=["out/b.txt"]))
    out.append(Case("mixed-batch", ["read", "good1.png", "bad.png", "sliver.png", "good2.pdf", "missing.png",
                                    "--out", "out", "--workers", "2"],
                    {"good1.png": good, "bad.png": good[:100], "sliver.png": _png((1, 1)), "good2.pdf": seeds["pdf"]},
                    good_outputs=["out/good1.txt", "out/sliver.txt", "out/good2.txt"]))
    out.append(Case("mixed-folder", ["read", "in", "--out", "out"],
                    {"in/a.png": good, "in/b.png": b"junk", "in/c.pdf": seeds["pdf"][:50], "in/d.png": good},
                    good_outputs=["out/a.txt", "out/d.txt"]))
    return out


@dataclass
class Outcome:
    case: str
    code: int
    seconds: float
    problem: str = ""  # "traceback: ...", "timeout", "missing output", "temp file left", or ""


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():  # by bytes: a name may hold a surrogate for a non-UTF-8 byte
        path = os.path.join(os.fsencode(folder), os.fsencode(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)


def run_case(case: Case, folder: Path, timeout: float = 60.0, model: str | None = None) -> Outcome:
    """Run one case in ``folder`` (a fresh one) as a user would, in its own process."""
    _write(folder, case.files)
    args = list(case.args)
    if model and args[0] == "read" and "--model" not in args:
        args += ["--model", model]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "genocr.cli", *args], cwd=folder, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return Outcome(case.name, -9, timeout, "timeout")
    seconds = time.perf_counter() - start
    text = err.decode(errors="replace")
    problem = ""
    if "Traceback" in text or "internal error" in text:
        problem = "traceback: " + text.strip().splitlines()[-1][:200]
    elif any(not (folder / g).is_file() for g in case.good_outputs):
        problem = "missing output"
    elif case.good_outputs and proc.returncode != 1:
        problem = f"mixed batch exited {proc.returncode}, not 1"
    elif any(p.name.endswith(".tmp") for p in folder.rglob("*")):
        problem = "temp file left"
    return Outcome(case.name, proc.returncode, seconds, problem)


def interrupted(folder: Path, signal_number: int, after: float, model: str | None = None) -> list[str]:
    """Start a batch of 40 pages, send ``signal_number`` after ``after`` s, and return the
    output files left half-written or as temp files (there must be none)."""
    files = {f"p{i:02d}.png": _png((900, 1200), text=f"page {i} " * 8) for i in range(40)}
    _write(folder, files)
    args = ["read", *sorted(files), "--out", "out", "--workers", "1", *(["--model", model] if model else [])]
    proc = subprocess.Popen([sys.executable, "-m", "genocr.cli", *args], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    proc.send_signal(signal_number)
    proc.wait(timeout=60)
    out = folder / "out"
    left = [p.name for p in out.rglob("*")] if out.exists() else []
    return [n for n in left if n.endswith(".tmp") or n.startswith(".")]


def run(out_dir: Path | None, seed: int = 0, model: str | None = None,
        progress: Callable[[int, int], None] | None = None) -> tuple[list[Outcome], str]:
    """Every case, then interrupted batches; the outcomes and a markdown report."""
    import signal
    import tempfile

    from genocr.bench.report import fmt, table
    from genocr.io import atomic_write

    corpus = cases(seed)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, case in enumerate(corpus):
            folder = Path(tmp) / f"c{k:04d}"
            folder.mkdir()
            outcomes.append(run_case(case, folder, model=model))
            if progress:
                progress(k + 1, len(corpus))
        left = {name: interrupted(Path(tmp) / name, sig, 4.0, model)
                for name, sig in (("sigint", signal.SIGINT), ("sigkill", signal.SIGKILL))}
    bad = [o for o in outcomes if o.problem]
    rows = [["cases (read, erase, segment)", str(len(outcomes))],
            ["tracebacks or internal errors", str(sum(o.problem.startswith("traceback") for o in outcomes))],
            ["runs past 60 s", str(sum(o.problem == "timeout" for o in outcomes))],
            ["mixed batches that did not write every good output and exit 1",
             str(sum(o.problem in ("missing output",) or o.problem.startswith("mixed batch") for o in outcomes))],
            ["temp files left by a case", str(sum(o.problem == "temp file left" for o in outcomes))],
            ["files left half-written after SIGINT / SIGKILL", f"{len(left['sigint'])} / {len(left['sigkill'])}"],
            # the largest process any case started, workers included (its waited-for descendants)
            ["peak memory of any case, MiB", fmt(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 0)],
            ["slowest case, s", fmt(max(o.seconds for o in outcomes), 1)]]
    lines = ["# genocr bench: reliability", "", f"Corpus seed {seed}; every case in its own process, 60 s limit.", "",
             table(["", ""], rows), ""]
    if bad:
        lines += ["Cases with a problem:", "", *(f"- `{o.case}`: {o.problem}" for o in bad), ""]
    text = "\n".join(lines) + "\n"
    if out_dir is not None:
        atomic_write(out_dir / "reliability.md", text)
    return outcomes, text
