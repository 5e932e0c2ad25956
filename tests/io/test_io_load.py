"""Input layer: every supported source becomes RGB pages, every bad input one InputError line."""
from __future__ import annotations

import dataclasses
import io
import sys
from pathlib import Path
from types import SimpleNamespace

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFile

from genocr.errors import InputError, OptionError
from genocr.io import Page, count_pages, expand_sources, load_pages, parse_page_range

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 128, 0), (0, 0, 255), (255, 255, 255)


def text_image(text: str = "Hello genocr", size: tuple[int, int] = (160, 40), mode: str = "RGB") -> Image.Image:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((5, 10), text, fill="black")
    return image.convert(mode)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def pdf_path(tmp_path: Path) -> Path:
    """Three pages that differ in size and colour, at 72 dpi so 1 pixel = 1 PDF unit."""
    pages = [Image.new("RGB", (100, 50), RED), Image.new("RGB", (60, 80), GREEN), Image.new("RGB", (30, 30), BLUE)]
    path = tmp_path / "doc.pdf"
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=72)
    return path


@pytest.fixture
def tiff_path(tmp_path: Path) -> Path:
    frames = [Image.new("RGB", (20, 10), colour) for colour in (RED, GREEN, BLUE)]
    path = tmp_path / "scan.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    return path


def centre(page: Page) -> tuple[int, int, int]:
    """The colour at the page's centre, snapped to the nearest test colour (PDF pages are JPEG-coded)."""
    width, height = page.image.size
    pixel = page.image.getpixel((width // 2, height // 2))
    return min((RED, GREEN, BLUE, WHITE), key=lambda colour: sum(abs(a - b) for a, b in zip(colour, pixel)))


# --- images -------------------------------------------------------------------------------


def test_png_loads_as_one_rgb_page(tmp_path: Path) -> None:
    image = text_image()
    path = tmp_path / "hello.png"
    image.save(path)
    [page] = load_pages(str(path))
    assert (page.source, page.number, page.image.mode) == (str(path), 1, "RGB")
    assert page.image.tobytes() == image.tobytes()


def test_path_objects_are_accepted_and_named_as_given(tmp_path: Path) -> None:
    path = tmp_path / "hello.bmp"
    text_image().save(path)
    [page] = load_pages(path)
    assert page.source == str(path)


def test_page_is_immutable(tmp_path: Path) -> None:
    [page] = load_pages(text_image())
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.number = 2  # type: ignore[misc]


@pytest.mark.parametrize("mode", ["L", "1", "P", "CMYK"])
def test_other_modes_become_rgb(mode: str) -> None:
    [page] = load_pages(text_image(mode=mode))
    assert page.image.mode == "RGB"
    assert page.image.getpixel((0, 0)) == WHITE
    assert page.image.convert("L").getextrema()[0] < 64, "the dark text survives the conversion"


def test_transparency_is_composited_on_white(tmp_path: Path) -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.putpixel((5, 5), (255, 0, 0, 255))
    path = tmp_path / "alpha.png"
    image.save(path)
    [page] = load_pages(path)
    assert page.image.getpixel((0, 0)) == WHITE
    assert page.image.getpixel((5, 5)) == RED


def test_sixteen_bit_scan_is_scaled_not_clipped_to_white(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.new("I;16", (4, 4), 32768).save(path)
    [page] = load_pages(path)
    assert page.image.getpixel((0, 0)) in {(127, 127, 127), (128, 128, 128)}


def test_tiff_frames_are_pages(tiff_path: Path) -> None:
    pages = load_pages(tiff_path)
    assert [page.number for page in pages] == [1, 2, 3]
    assert [centre(page) for page in pages] == [RED, GREEN, BLUE]
    assert count_pages(tiff_path) == 3


def test_tiff_frame_selection(tiff_path: Path) -> None:
    pages = load_pages(tiff_path, pages="2-3")
    assert [(page.number, centre(page)) for page in pages] == [(2, GREEN), (3, BLUE)]


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    image = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = tmp_path / "phone.jpg"
    image.save(path, exif=exif)
    [page] = load_pages(path)
    assert page.image.size == (20, 40)


def test_truncated_png_is_detected(tmp_path: Path) -> None:
    data = png_bytes(text_image(size=(400, 300)))
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"^.*cut\.png: not a readable image \(.+\)$"):
        load_pages(path)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_non_image_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("just some text\n")
    with pytest.raises(InputError) as caught:
        load_pages(path)
    assert str(caught.value) == f"{path}: not a readable image (cannot identify image file)"
    with pytest.raises(InputError, match="not a readable image"):
        count_pages(path)


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.touch()
    with pytest.raises(InputError, match=r"empty\.png: the file is empty$"):
        load_pages(path)


def test_missing_file_and_folder_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.png: no such file$"):
        load_pages(tmp_path / "nope.png")
    with pytest.raises(InputError, match="is a folder, not a file"):
        load_pages(tmp_path)


def test_decompression_bomb_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.png"
    Image.new("L", (100, 100)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(InputError, match=r"big\.png: the image is too large to load safely"):
        load_pages(path)


def test_out_of_range_frame_names_the_count(tmp_path: Path) -> None:
    path = tmp_path / "one.png"
    text_image().save(path)
    with pytest.raises(InputError) as caught:
        load_pages(path, pages="2")
    assert str(caught.value) == f"{path}: page 2 is out of range (the image has 1 frame)"


def test_in_memory_image(tiff_path: Path) -> None:
    [page] = load_pages(text_image(mode="L"))
    assert (page.source, page.number, page.image.mode) == ("<image>", 1, "RGB")
    with Image.open(tiff_path) as image:
        pages = load_pages(image, pages=[3])
        assert image.tell() == 0, "the caller's image is left on its frame"
    assert (pages[0].number, centre(pages[0])) == (3, BLUE)


# --- PDFs ---------------------------------------------------------------------------------


def test_pdf_pages_render_at_dpi(pdf_path: Path) -> None:
    pages = load_pages(pdf_path, dpi=72)
    assert [(page.number, page.image.size, centre(page)) for page in pages] == [
        (1, (100, 50), RED),
        (2, (60, 80), GREEN),
        (3, (30, 30), BLUE),
    ]
    assert all(page.image.mode == "RGB" and page.source == str(pdf_path) for page in pages)
    [page] = load_pages(pdf_path, pages="1", dpi=144)
    assert page.image.size == (200, 100)


def test_pdf_page_selection_renders_only_selected(pdf_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = []
    original = pdfium.PdfPage.render

    def spy(self: pdfium.PdfPage, *args: object, **kwargs: object) -> pdfium.PdfBitmap:
        rendered.append(self.get_size())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pdfium.PdfPage, "render", spy)
    [page] = load_pages(pdf_path, pages="2", dpi=72)
    assert (page.number, page.image.size, centre(page)) == (2, (60, 80), GREEN)
    assert rendered == [(60, 80)]


def test_pdf_pages_as_sequence_keep_order(pdf_path: Path) -> None:
    pages = load_pages(pdf_path, pages=[3, 1], dpi=72)
    assert [(page.number, centre(page)) for page in pages] == [(3, BLUE), (1, RED)]


def test_pdf_is_detected_by_magic_not_suffix(pdf_path: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "really_a_pdf.png"
    disguised.write_bytes(pdf_path.read_bytes())
    assert count_pages(disguised) == 3
    image_named_pdf = tmp_path / "really_an_image.pdf"
    text_image().save(image_named_pdf, format="PNG")
    [page] = load_pages(image_named_pdf)
    assert page.image.size == (160, 40)


def test_out_of_range_pdf_page_names_the_count(pdf_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_pages(pdf_path, pages="2,9")
    assert str(caught.value) == f"{pdf_path}: page 9 is out of range (the PDF has 3 pages)"


def test_zero_page_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    pdfium.PdfDocument.new().save(path)
    with pytest.raises(InputError) as caught:
        load_pages(path)
    assert str(caught.value) == f"{path}: the PDF has no pages"
    with pytest.raises(InputError, match="the PDF has no pages"):
        count_pages(path)


def test_corrupt_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\nthis is not really a PDF\n")
    with pytest.raises(InputError, match=r"broken\.pdf: not a readable PDF"):
        load_pages(path)


def test_huge_pdf_render_is_refused(pdf_path: Path) -> None:
    with pytest.raises(InputError, match=r"page 1 would be \d+x\d+ pixels at 100000 dpi, more than 50000000 \(--max-pixels"):
        load_pages(pdf_path, pages="1", dpi=100_000)


def test_limits_are_checked_before_decoding(tmp_path: Path, pdf_path: Path) -> None:
    from genocr.io import Limits

    Image.new("L", (3000, 2000), 255).save(tmp_path / "big.png")
    with pytest.raises(InputError, match=r"3000x2000 pixels, more than 5000000 \(--max-pixels\)"):
        load_pages(tmp_path / "big.png", limits=Limits(pixels=5_000_000))
    with pytest.raises(InputError, match=r"pages to read, more than 1 \(--max-pages\)"):
        load_pages(pdf_path, limits=Limits(pages=1))
    with pytest.raises(InputError, match=r"more than 0 drawing objects \(--max-page-objects\)"):
        load_pages(pdf_path, pages="1", limits=Limits(page_objects=0))


def test_a_recursive_pattern_does_not_follow_folder_links(tmp_path: Path) -> None:
    from genocr.io import expand_sources

    (tmp_path / "a" / "b").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "x.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "a" / "b" / "y.png")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)  # endless for a walk that follows links
    found = expand_sources([str(tmp_path / "**" / "*.png")])
    assert sorted(Path(p).name for p in found) == ["x.png", "y.png"]
    assert [Path(p).name for p in expand_sources([str(tmp_path / "**" / "*.png")], max_depth=1)] == ["x.png"]


def test_bad_dpi_and_page_spec_are_option_errors(pdf_path: Path) -> None:
    with pytest.raises(OptionError, match="dpi"):
        load_pages(pdf_path, dpi=0)
    with pytest.raises(OptionError, match="page range"):
        load_pages(pdf_path, pages="x")


# --- bytes and stdin ----------------------------------------------------------------------


def test_bytes_are_sniffed(pdf_path: Path) -> None:
    [image_page] = load_pages(png_bytes(text_image()))
    assert (image_page.source, image_page.image.size) == ("<image>", (160, 40))
    pdf_pages = load_pages(pdf_path.read_bytes(), pages="3", dpi=72)
    assert [(page.source, page.number, centre(page)) for page in pdf_pages] == [("<image>", 3, BLUE)]
    with pytest.raises(InputError, match="not a readable image"):
        load_pages(b"garbage")
    with pytest.raises(InputError, match="empty"):
        load_pages(b"")


def test_stdin_is_read_once_for_count_and_load(pdf_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(pdf_path.read_bytes())))
    assert count_pages("-") == 3
    pages = load_pages("-", pages="1-2", dpi=72)
    assert [(page.source, page.number, centre(page)) for page in pages] == [("-", 1, RED), ("-", 2, GREEN)]


def test_stdin_image_and_empty_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(png_bytes(text_image()))))
    [page] = load_pages("-")
    assert (page.source, page.image.size) == ("-", (160, 40))
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(b"")))
    with pytest.raises(InputError, match=r"^-: standard input is empty$"):
        load_pages("-")


# --- sources and page ranges --------------------------------------------------------------


def test_folder_expands_to_supported_files_in_natural_order(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    (folder / "nested").mkdir(parents=True)
    for name in ["page10.png", "page2.PNG", "page1.pdf", "notes.txt", "nested/page3.png"]:
        (folder / name).write_bytes(b"x")
    assert expand_sources([str(folder)]) == [str(folder / name) for name in ["page1.pdf", "page2.PNG", "page10.png"]]


def test_glob_expands_sorted_and_args_keep_their_order(tmp_path: Path) -> None:
    for name in ["b10.png", "b9.png", "a.jpg", "c.png"]:
        (tmp_path / name).write_bytes(b"x")
    pattern = str(tmp_path / "b*.png")
    single = str(tmp_path / "c.png")
    assert expand_sources([single, pattern, "-"]) == [single, str(tmp_path / "b9.png"), str(tmp_path / "b10.png"), "-"]


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("missing.png", r"missing\.png: no such file or folder$"),
        ("*.nothing", r"\*\.nothing: no files match the pattern$"),
        ("empty_dir", r"empty_dir: the folder has no image or PDF files$"),
    ],
)
def test_expand_sources_errors(arg: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(InputError, match=message):
        expand_sources([arg])


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("1-3,5", [1, 2, 3, 5]), (" 2 , 4-5 ", [2, 4, 5]), ("3,1,3", [1, 3]), ("7", [7]), (None, None), ("", None)],
)
def test_parse_page_range(spec: str | None, expected: list[int] | None) -> None:
    assert parse_page_range(spec) == expected


@pytest.mark.parametrize("spec", ["0", "3-1", "a", "1--2", "1,,2", "-2", "1-999999999"])
def test_parse_page_range_rejects(spec: str) -> None:
    with pytest.raises(OptionError) as caught:
        parse_page_range(spec)
    assert "\n" not in str(caught.value) and repr(spec) in str(caught.value)


def test_empty_pdf_after_a_corrupt_one_still_says_no_pages(tmp_path):
    """PDFium's last-error code is process-wide; a stale one must not change the message."""
    import pypdfium2 as pdfium

    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n garbage")
    empty = tmp_path / "empty.pdf"
    pdfium.PdfDocument.new().save(empty)
    with pytest.raises(InputError, match="not a readable PDF"):
        load_pages(corrupt)
    with pytest.raises(InputError, match="the PDF has no pages"):
        load_pages(empty)
