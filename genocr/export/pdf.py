"""Searchable PDF: the input's pages as they are, with an invisible text layer word by word.

For a PDF input the text is grafted onto the original pages (pikepdf): nothing of the page is
re-encoded, so it looks exactly as before, and selecting, searching and copying find the words
where they are drawn. An image input becomes one PDF page per frame at its resolution, the
image embedded losslessly (a JPEG file's own bytes, anything else as Flate-compressed pixels).

The words are set in a glyphless font (one empty glyph for every character, as Tesseract and
OCRmyPDF do): it draws nothing, is never mistaken for the page's own text, and maps each
character code back to its Unicode value, so a viewer copies what genocr read. Each word is
scaled horizontally to its box, so a selection covers the word it names.
"""
from __future__ import annotations

import io
from functools import cache
from typing import Any

from genocr.errors import InputError, OptionError
from genocr.results import PageResult, ReadResult

ADVANCE = 500  # the glyph's advance, in 1/1000 of the font size
DEFAULT_DPI = 150  # an image that records no resolution is placed as if scanned at this


@cache
def glyphless_font() -> bytes:
    """A TrueType font of one empty glyph (plus .notdef), advance ADVANCE/1000 em."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "blank"])
    fb.setupCharacterMap({})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({".notdef": empty, "blank": empty})
    fb.setupHorizontalMetrics({".notdef": (ADVANCE, 0), "blank": (ADVANCE, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "GlyphLessFont", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def _font(pdf: Any) -> Any:
    """The glyphless Type0 font: Identity-H codes are Unicode values (BMP), all drawn as glyph 1."""
    import zlib

    import pikepdf
    from pikepdf import Array, Dictionary, Name

    to_unicode = pdf.make_stream(
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def "
        b"/CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange "
        b"<0000> <FFFF> <0000> endbfrange endcmap CMapName currentdict /CMap defineresource pop end end")
    cid_to_gid = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536), Filter=Name.FlateDecode)
    font_file = pikepdf.Stream(pdf, glyphless_font())
    descriptor = Dictionary(Type=Name.FontDescriptor, FontName=Name.GlyphLessFont, Flags=5,
                            FontBBox=Array([0, -200, ADVANCE, 800]), ItalicAngle=0, Ascent=800,
                            Descent=-200, CapHeight=800, StemV=80, FontFile2=font_file)
    cid_font = Dictionary(Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name.GlyphLessFont,
                          CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                                   Supplement=0),
                          FontDescriptor=descriptor, DW=ADVANCE, CIDToGIDMap=cid_to_gid)
    return pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type0, BaseFont=Name.GlyphLessFont,
                                        Encoding=Name("/Identity-H"), DescendantFonts=Array([cid_font]),
                                        ToUnicode=to_unicode))


def _hex(text: str) -> str:
    return "".join(f"{ord(c):04X}" for c in text if ord(c) < 0x10000)


def text_layer(page: PageResult, dpi: float, display: tuple[float, float]) -> bytes:
    """Content-stream operators that set every word of ``page`` invisibly in display space
    (points, origin at the bottom left of the page as shown), font resource /GenocrOCR. Each
    word is stretched to its box, and the space after it to the gap before the next word, so
    text extractors find the word breaks where they are drawn."""
    scale = 72.0 / dpi
    ops = []

    def put(text: str, x0: float, x1: float, size: float, baseline: float) -> None:
        stretch = 100.0 * max(0.1, x1 - x0) * scale / (ADVANCE / 1000 * size * len(text))
        ops.append(f"BT 3 Tr /GenocrOCR {size:.2f} Tf {stretch:.2f} Tz 1 0 0 1 {x0 * scale:.2f} "
                   f"{baseline:.2f} Tm <{_hex(text)}> Tj ET")

    for line in page.lines:
        for k, word in enumerate(line.words):
            x0, y0, x1, y1 = word.box
            size = max(1.0, (y1 - y0) * scale)
            # the font spans 0.8 em above its baseline and 0.2 below: the box is one em tall
            baseline = display[1] - (y1 - 0.2 * (y1 - y0)) * scale
            if k < len(line.words) - 1:
                # A reader found a word break where the ink has no gap: leave a gap a text
                # extractor sees (a quarter of the height), taken from this word's right end.
                following = line.words[k + 1].box[0]
                x1 = max(x0 + 1, min(x1, following - 0.25 * (y1 - y0)))
                put(word.text, x0, x1, size, baseline)
                put(" ", x1, max(x1 + 1, following), size, baseline)
            else:
                put(word.text, x0, x1, size, baseline)
    return ("q\n" + "\n".join(ops) + "\nQ\n").encode("ascii")


def _rotation_matrix(rotate: int, box: list[float]) -> str:
    """The ``cm`` that maps display space (a page shown turned by /Rotate) to user space."""
    x0, y0, x1, y1 = box
    return {0: f"1 0 0 1 {x0} {y0}", 90: f"0 1 -1 0 {x1} {y0}", 180: f"-1 0 0 -1 {x1} {y1}",
            270: f"0 -1 1 0 {x0} {y1}"}[rotate % 360]


def _graft(pdf: Any, page: Any, result: PageResult, font: Any) -> None:
    """Add ``result``'s words to ``page`` (a pikepdf page), under its existing content."""
    import pikepdf
    from pikepdf import Dictionary, Name

    box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    w, h = box[2] - box[0], box[3] - box[1]
    display = (h, w) if rotate in (90, 270) else (w, h)
    dpi = result.width * 72.0 / display[0] if result.width else DEFAULT_DPI
    layer = f"q {_rotation_matrix(rotate, box)} cm\n".encode() + text_layer(result, dpi, display) + b"Q\n"
    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = Dictionary()
    if "/Font" not in resources:
        resources.Font = Dictionary()
    resources.Font.GenocrOCR = font
    # The page's own content is wrapped in q ... Q: a transform it leaves set (content may end
    # in an unbalanced "cm") must not move the words.
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + layer), prepend=False)


def _image_page(pdf: Any, image_bytes: bytes, jpeg: bool, size: tuple[int, int], mode: str, dpi: float,
                result: PageResult, font: Any) -> None:
    import pikepdf
    from pikepdf import Dictionary, Name

    w_pt, h_pt = size[0] * 72.0 / dpi, size[1] * 72.0 / dpi
    colour = {"L": Name.DeviceGray, "RGB": Name.DeviceRGB, "CMYK": Name.DeviceCMYK}[mode]
    image = pikepdf.Stream(pdf, image_bytes, Type=Name.XObject, Subtype=Name.Image, Width=size[0], Height=size[1],
                           ColorSpace=colour, BitsPerComponent=8,
                           Filter=Name.DCTDecode if jpeg else Name.FlateDecode)
    draw = f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im0 Do Q\n".encode()
    content = pikepdf.Stream(pdf, draw + text_layer(result, dpi, (w_pt, h_pt)))
    page = Dictionary(Type=Name.Page, MediaBox=[0, 0, w_pt, h_pt], Contents=content,
                      Resources=Dictionary(XObject=Dictionary(Im0=image), Font=Dictionary(GenocrOCR=font)))
    pdf.pages.append(pikepdf.Page(page))


def render(result: ReadResult, source: str) -> bytes:
    """``source`` (the file that was read) as a searchable PDF carrying ``result``'s words."""
    import pikepdf

    if not result.boxes:
        raise OptionError(f"the result has no word positions, which a searchable PDF needs (genocr-small gives "
                          "them when it reads plain text)")
    if any(len(p.pages) != 1 for p in result.pages):
        raise OptionError("a searchable PDF needs one result per page (not --multi-page)")
    if source == "-":
        raise OptionError("a searchable PDF is made from a file, not standard input")
    try:
        with open(source, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"{source}: cannot read the file ({exc.strerror})") from None
    out = io.BytesIO()
    if data.startswith(b"%PDF"):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            font = _font(pdf)
            for page in result.pages:
                _graft(pdf, pdf.pages[page.pages[0] - 1], page, font)
            pdf.save(out)
        return out.getvalue()
    from PIL import Image, ImageOps

    from genocr.io.load import _to_rgb

    with pikepdf.new() as pdf, Image.open(io.BytesIO(data)) as im:
        font = _font(pdf)
        for page in result.pages:
            im.seek(page.pages[0] - 1)
            dpi = float(page.dpi or DEFAULT_DPI)
            upright = im.getexif().get(0x0112, 1) == 1  # EXIF orientation: no turn to apply
            if im.format == "JPEG" and upright and im.mode in ("L", "RGB", "CMYK"):
                payload, mode, size, jpeg = data, im.mode, im.size, True  # the file's own bytes
            else:  # the pixels as genocr read them: turned upright, paper white, 16 bits scaled
                import zlib

                frame = _to_rgb(ImageOps.exif_transpose(im))
                payload, mode, size, jpeg = zlib.compress(frame.tobytes(), 6), "RGB", frame.size, False
            _image_page(pdf, payload, jpeg, size, mode, dpi, page, font)
        pdf.save(out)
    return out.getvalue()
