"""Turn files, folders, globs, stdin, bytes and in-memory images into RGB pages.

Everything that can go wrong with an input is reported as one :class:`InputError` line
naming the source, so the CLI never shows a PIL or PDFium traceback.
"""
from __future__ import annotations

import fnmatch
import functools
import glob
import io
import os
import re
import sys
import warnings
from pathlib import Path
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from PIL import Image, ImageOps, UnidentifiedImageError

from genocr.errors import InputError, OptionError

# genocr's own --max-pixels limit is checked from the header, before decoding; Pillow's warning
# below its hard limit would only repeat it (its error above that limit stays).
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"})
SOURCE_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
PDF_MAGIC = b"%PDF"
IN_MEMORY = "<image>"
MAX_PAGE_NUMBER = 100_000  # keeps a typo like "1-99999999" from building a huge list
MAX_GLOB_DEPTH = 16  # folders a "**" pattern descends

_RANGE_PART = re.compile(r"([0-9]+)(?:-([0-9]+))?")
_GLOB_CHARS = re.compile(r"[*?\[]")
_DIGITS = re.compile(r"([0-9]+)")

Source = str | os.PathLike | bytes | Image.Image


@dataclass(frozen=True)
class Limits:
    """What one input may cost before any of it is decoded; each refusal names its option."""

    pixels: int = 50_000_000  # per page or frame (--max-pixels): an A4 page at 600 dpi is 35 MP
    pages: int = 5_000  # per document (--max-pages)
    stdin_bytes: int = 512 << 20  # read from standard input (--max-stdin-bytes)
    page_objects: int = 300_000  # objects and path segments on a PDF page (--max-page-objects): PDFium
    # took minutes over a page of 300,000 strokes (60,000, of 180,000 operations, took 5.5 s here)
    # and cannot be stopped mid-page


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Page:
    """One page or frame, ready for a model."""

    image: Image.Image  # RGB, EXIF orientation applied
    source: str  # the path as given, "-" for stdin, "<image>" for in-memory input
    number: int  # 1-based page/frame number within its source
    dpi: int = 0  # a PDF page's rendering resolution, or an image's recorded one (0: not known)


def parse_page_range(spec: str | None) -> list[int] | None:
    """Parse "1-3,5" into sorted unique page numbers; None or "" selects every page."""
    if spec is None or not spec.strip():
        return None
    numbers: set[int] = set()
    for part in (p.strip() for p in spec.split(",")):
        match = _RANGE_PART.fullmatch(part)
        if not match:
            raise OptionError(f"page range {spec!r}: {part!r} is not a page number or a range like 2-5")
        first, last = int(match[1]), int(match[2] or match[1])
        if first < 1:
            raise OptionError(f"page range {spec!r}: pages are numbered from 1")
        if last < first:
            raise OptionError(f"page range {spec!r}: {part!r} runs backwards")
        if last > MAX_PAGE_NUMBER:
            raise OptionError(f"page range {spec!r}: page {last} is beyond {MAX_PAGE_NUMBER}")
        numbers.update(range(first, last + 1))
    return sorted(numbers)


def _natural_key(text: str) -> list[str | int]:
    """Sort "page2" before "page10", as people number scans."""
    return [int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(text)]


def _pattern(pattern: str) -> re.Pattern[str]:
    """A glob pattern as a regular expression, as :func:`glob.glob` reads one with
    ``recursive=True``: ``*`` and ``?`` within one path part and never matching a leading dot;
    ``**`` as a whole part, any number of folders (none included) that do not start with a dot."""
    out, i = [], 0
    while i < len(pattern):
        whole = i == 0 or pattern[i - 1] == "/"
        if whole and pattern.startswith("**/", i):
            out.append(r"(?:[^/.][^/]*/)*")
            i += 3
        elif whole and pattern[i:] == "**":
            out.append(r"(?:[^/.][^/]*(?:/[^/.][^/]*)*)?")
            i += 2
        elif pattern[i] == "*":
            if whole:
                out.append(r"(?!\.)")  # a part's wildcard does not match a hidden name
            out.append(r"[^/]*")
            i += 1
            while i < len(pattern) and pattern[i] == "*":  # "**" inside a part is "*"
                i += 1
        elif pattern[i] == "?":
            out.append(r"[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            j = pattern.index("]", i + 1)
            out.append(fnmatch.translate(pattern[i : j + 1])[4:-3])  # the class, as fnmatch reads it
            i = j + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _glob(pattern: str, max_depth: int) -> list[str]:
    """Files matching ``pattern``; ``**`` descends at most ``max_depth`` folders and never
    through a symbolic link to a folder (a link to "." would make the walk endless)."""
    if not re.search(r"(?:^|/)\*\*(?:/|$)", pattern):  # no recursive part: glob's own rules
        return [m for m in glob.glob(pattern) if os.path.isfile(m)]
    root = pattern.split("**", 1)[0] or "."
    base = glob.glob(root) if _GLOB_CHARS.search(root) else [root]
    regex = _pattern(os.path.normpath(pattern) if pattern.startswith(("/", ".")) else pattern)
    found = []
    for top in base:
        start = top.rstrip(os.sep).count(os.sep)
        for folder, dirs, files in os.walk(top, followlinks=False):
            if folder.rstrip(os.sep).count(os.sep) - start >= max_depth:
                dirs.clear()
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # as glob: no hidden folders under **
            for name in files:
                path = os.path.join(folder, name)
                if top == "." and not pattern.startswith("./"):
                    path = os.path.relpath(path)
                if os.path.isfile(path) and (regex.fullmatch(path) or regex.fullmatch(os.path.normpath(path))):
                    found.append(path)
    return found


def expand_sources(args: Sequence[str], max_depth: int = MAX_GLOB_DEPTH) -> list[str]:
    """Expand CLI arguments (files, folders, globs, "-") into the list of sources to read; a
    ``**`` pattern descends at most ``max_depth`` folders, not following folder links."""
    sources: list[str] = []
    for arg in args:
        if arg == "-" or os.path.isfile(arg):
            found = [arg]
        elif os.path.isdir(arg):
            with os.scandir(arg) as entries:
                found = [
                    os.path.join(arg, entry.name)
                    for entry in entries
                    if entry.is_file() and os.path.splitext(entry.name)[1].lower() in SOURCE_SUFFIXES
                ]
            if not found:
                raise InputError(f"{arg}: the folder has no image or PDF files")
        elif _GLOB_CHARS.search(arg):
            found = _glob(arg, max_depth)
            if not found:
                raise InputError(f"{arg}: no files match the pattern")
        else:
            raise InputError(f"{arg}: no such file or folder")
        sources.extend(sorted(found, key=_natural_key))
    return sources


@functools.lru_cache(maxsize=1)
def _read_stream(stream: BinaryIO, limit: int) -> bytes:
    """Stdin can be read only once; cache it so count_pages("-") and load_pages("-") agree.
    More than ``limit`` bytes is refused, not read."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"-: standard input is larger than {limit} bytes (--max-stdin-bytes)")
    return data


def _resolve(source: Source, limits: Limits = DEFAULT_LIMITS) -> tuple[str, bytes | str | Image.Image]:
    """Return the display name and the payload: bytes, a file path or a PIL image."""
    if isinstance(source, Image.Image):
        return IN_MEMORY, source
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise InputError(f"{IN_MEMORY}: the input is empty")
        return IN_MEMORY, data
    path = os.fspath(source)
    # A name that is not valid UTF-8 (an old Latin-1 file name) is shown with U+FFFD in its
    # place: results and errors stay printable and encodable; the file is opened by its bytes.
    name = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if name == "-":
        data = _read_stream(sys.stdin.buffer, limits.stdin_bytes)
        if not data:
            raise InputError("-: standard input is empty")
        return name, data
    if not os.path.exists(path):
        raise InputError(f"{name}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{name}: is a folder, not a file")
    if os.path.getsize(path) == 0:
        raise InputError(f"{name}: the file is empty")
    return name, path


def _is_pdf(payload: bytes | str) -> bool:
    if isinstance(payload, bytes):
        return payload.startswith(PDF_MAGIC)
    try:
        with open(payload, "rb") as file:
            return file.read(len(PDF_MAGIC)) == PDF_MAGIC
    except OSError as error:
        raise InputError(f"{payload}: cannot read the file ({_one_line(error.strerror or error)})") from error


def _one_line(detail: object) -> str:
    return " ".join(str(detail).split())


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _select(pages: str | Sequence[int] | None, count: int, name: str, has: str) -> list[int]:
    """Resolve a page selection against the source's page count; `has` reads "the PDF has 3 pages"."""
    numbers = parse_page_range(pages) if isinstance(pages, str) else pages
    if numbers is None:
        return list(range(1, count + 1))
    if not numbers:
        raise OptionError(f"{name}: no pages selected")
    for number in numbers:
        if not 1 <= number <= count:
            raise InputError(f"{name}: page {number} is out of range ({has})")
    return list(numbers)


_PDF_ERRORS = {
    pdfium_raw.FPDF_ERR_PASSWORD: "the PDF is password-protected",
    pdfium_raw.FPDF_ERR_FORMAT: "not a readable PDF (damaged or not a PDF)",
}
_EMPTY_PAGE_TREE = re.compile(rb"/Type\s*/Pages\b[^>]*/Count\s+0\b|/Count\s+0\b[^>]*/Type\s*/Pages\b")


def _open_pdf(payload: bytes | str, name: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(payload)
    except pdfium.PdfiumError as error:
        raise InputError(f"{name}: {_pdf_failure(payload, error)}") from error


def _pdf_failure(payload: bytes | str, error: pdfium.PdfiumError) -> str:
    """PDFium refuses a PDF without pages, and its error code may then be a stale one from an
    earlier call; a page tree that counts 0 pages says what really happened."""
    data = payload if isinstance(payload, bytes) else Path(payload).read_bytes()
    if error.err_code == pdfium_raw.FPDF_ERR_SUCCESS or _EMPTY_PAGE_TREE.search(data):
        return "the PDF has no pages"
    return _PDF_ERRORS.get(error.err_code, f"not a readable PDF ({_one_line(error)})")


def _pdf_pages(payload: bytes | str, name: str, pages: str | Sequence[int] | None, dpi: int,
               limits: Limits) -> Iterator[Page]:
    """The selected pages, each rendered when it is asked for (the selection is checked now)."""
    pdf = _open_pdf(payload, name)
    try:
        count = len(pdf)
        numbers = _select(pages, count, name, f"the PDF has {_plural(count, 'page')}")
        if len(numbers) > limits.pages:
            raise InputError(f"{name}: {len(numbers)} pages to read, more than {limits.pages} (--max-pages)")
    except BaseException:
        pdf.close()
        raise

    def render() -> Iterator[Page]:
        try:
            for number in numbers:
                yield Page(_render(pdf, number, name, dpi, limits), name, number, dpi)
        finally:
            pdf.close()

    return render()


def _render(pdf: pdfium.PdfDocument, number: int, name: str, dpi: int, limits: Limits) -> Image.Image:
    """Render one page, once its size and its number of drawing objects are within the limits."""
    scale = dpi / 72  # PDF units are 1/72 inch
    try:
        page = pdf[number - 1]
        width, height = (round(side * scale) for side in page.get_size())
        if width * height > limits.pixels:
            raise InputError(f"{name}: page {number} would be {width}x{height} pixels at {dpi} dpi, more than "
                             f"{limits.pixels} (--max-pixels; or a lower --dpi)")
        objects = _drawing_operations(page, limits.page_objects)
        if objects > limits.page_objects:
            raise InputError(f"{name}: page {number} holds more than {limits.page_objects} drawing objects "
                             f"(--max-page-objects)")
        return page.render(scale=scale).to_pil()
    except pdfium.PdfiumError as error:
        raise InputError(f"{name}: page {number} cannot be rendered ({_one_line(error)})") from error


def _drawing_operations(page: pdfium.PdfPage, limit: int) -> int:
    """What PDFium will draw on ``page``, counted up to ``limit + 1``: every object, inside
    form XObjects too, and every segment of every path (one path can hold a million)."""
    count = 0
    for obj in page.get_objects(max_depth=16):
        count += 1
        if obj.type == pdfium_raw.FPDF_PAGEOBJ_PATH:
            count += max(0, pdfium_raw.FPDFPath_CountSegments(obj.raw))
        if count > limit:
            break
    return count


def _image_error(name: str, error: Exception) -> InputError:
    if isinstance(error, Image.DecompressionBombError):
        return InputError(f"{name}: the image is too large to load safely ({_one_line(error)})")
    if isinstance(error, UnidentifiedImageError):
        detail = "cannot identify image file"  # PIL's own message repeats the path or a BytesIO repr
    else:
        detail = _one_line(error) or type(error).__name__
    return InputError(f"{name}: not a readable image ({detail})")


def _open_image(payload: bytes | str, name: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(payload) if isinstance(payload, bytes) else payload)
    except Exception as error:  # PIL raises many types for corrupt files
        raise _image_error(name, error) from error


def _frame_count(image: Image.Image, name: str) -> int:
    try:
        return getattr(image, "n_frames", 1)
    except Exception as error:  # TIFF counts frames by walking them
        raise _image_error(name, error) from error


def _to_rgb(image: Image.Image) -> Image.Image:
    """Models expect RGB: transparency becomes white paper and 16-bit scans are scaled, not clipped."""
    if image.mode in ("I", "F") or image.mode.startswith("I;"):
        image = image.convert("F")
        scale = 255 / 65535 if image.getextrema()[1] > 255 else 1
        image = image.point(lambda value: value * scale).convert("L")
    if "A" in image.getbands() or "transparency" in image.info:
        paper = Image.new("RGBA", image.size, "white")
        return Image.alpha_composite(paper, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def _frame(image: Image.Image, number: int, name: str, limits: Limits) -> Image.Image:
    """Frame ``number``, its size checked against the limit after seeking and before decoding
    (a TIFF's later frames may be larger than its first)."""
    try:
        if image.tell() != number - 1:
            image.seek(number - 1)
    except Exception as error:
        raise _image_error(name, error) from error
    w, h = image.size
    if w * h > limits.pixels:
        raise InputError(f"{name}: frame {number} is {w}x{h} pixels, more than {limits.pixels} (--max-pixels)")
    try:
        image.load()  # decodes now, so truncated or corrupt data fails here and not in a model
        return _to_rgb(ImageOps.exif_transpose(image))
    except Exception as error:
        raise _image_error(name, error) from error


def _frame_numbers(image: Image.Image, name: str, pages: str | Sequence[int] | None, limits: Limits) -> list[int]:
    """The selected frames, checked against the limits before any is decoded."""
    count = _frame_count(image, name)
    numbers = _select(pages, count, name, f"the image has {_plural(count, 'frame')}")
    if len(numbers) > limits.pages:
        raise InputError(f"{name}: {len(numbers)} frames to read, more than {limits.pages} (--max-pages)")
    w, h = image.size
    if w * h > limits.pixels:  # the header says so: refused before a pixel is decoded
        raise InputError(f"{name}: {w}x{h} pixels, more than {limits.pixels} (--max-pixels)")
    return numbers


def _image_pages(payload: bytes | str, name: str, pages: str | Sequence[int] | None, limits: Limits) -> Iterator[Page]:
    """The selected frames of an image file, decoded one at a time as they are taken."""
    image = _open_image(payload, name)
    try:
        numbers = _frame_numbers(image, name, pages, limits)
    except BaseException:
        image.close()
        raise

    def frames() -> Iterator[Page]:
        with image:
            for number in numbers:
                yield Page(_frame(image, number, name, limits), name, number, _image_dpi(image))

    return frames()


def _image_dpi(image: Image.Image) -> int:
    """The resolution an image file records (TIFF, PNG pHYs, JPEG JFIF), or 0."""
    try:
        return int(round(float(image.info.get("dpi", (0, 0))[0])))
    except (TypeError, ValueError, IndexError):
        return 0


def iter_pages(source: Source, pages: str | Sequence[int] | None = None, dpi: int = 200,
               limits: Limits = DEFAULT_LIMITS) -> Iterator[Page]:
    """The selected 1-based pages (PDF pages or image frames) of one source as RGB pages, a
    PDF's rendered one at a time as they are taken, so a long PDF never sits in memory whole.
    A bad source or selection, or one over ``limits``, fails here, before the first page (a PDF
    page's own limits are checked as it is rendered)."""
    if dpi < 1:
        raise OptionError(f"dpi must be a positive number, not {dpi}")
    name, payload = _resolve(source, limits)
    if isinstance(payload, Image.Image):
        start = payload.tell()
        try:
            numbers = _frame_numbers(payload, name, pages, limits)
            return iter([Page(_frame(payload, n, name, limits), name, n, _image_dpi(payload)) for n in numbers])
        finally:
            payload.seek(start)  # leave the caller's image on the frame it was on
    if _is_pdf(payload):
        return _pdf_pages(payload, name, pages, dpi, limits)
    return _image_pages(payload, name, pages, limits)


def load_pages(source: Source, pages: str | Sequence[int] | None = None, dpi: int = 200,
               limits: Limits = DEFAULT_LIMITS) -> list[Page]:
    """Load the selected 1-based pages (PDF pages or image frames) of one source as RGB pages."""
    return list(iter_pages(source, pages, dpi, limits))


def count_pages(source: Source, limits: Limits = DEFAULT_LIMITS) -> int:
    """Count pages or frames without rendering or decoding them, e.g. for a progress bar."""
    name, payload = _resolve(source, limits)
    if isinstance(payload, Image.Image):
        return _frame_count(payload, name)
    if _is_pdf(payload):
        pdf = _open_pdf(payload, name)
        try:
            return len(pdf)
        finally:
            pdf.close()
    with _open_image(payload, name) as image:
        return _frame_count(image, name)
