"""Small builders shared by tests (importable: tests/ is on sys.path via pytest rootdir)."""
from PIL import Image, ImageDraw, ImageFont


def text_image(text: str = "Hello OCR 2.0", size: tuple[int, int] = (320, 96)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).text((10, size[1] // 3), text, fill="black")
    return img


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def draw_page(columns: int) -> tuple[Image.Image, list[tuple[int, int]]]:
    """A page with a full-width title, then ``columns`` columns of 8 lines; returns line anchors
    in true reading order."""
    page = Image.new("RGB", (1000, 800), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 18)
    anchors = [(100, 40)]
    draw.text(anchors[0], "A Title That Runs Across The Whole Page Width Of Both Columns", font=font, fill="black")
    col_width = 800 // columns
    for c in range(columns):
        for r in range(8):
            x, y = 100 + c * (col_width + 40), 120 + r * 40
            draw.text((x, y), "words in a column line %d" % r, font=font, fill="black")
            anchors.append((x, y))
    return page, anchors


BOLD = FONT.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
LINE = "the quick brown fox jumps over the lazy dog and runs"


def draw_formatted_page() -> Image.Image:
    """A heading, two paragraphs, a centred formula, a ruled table, a paragraph, a page number."""
    page = Image.new("RGB", (800, 1100), "white")
    draw = ImageDraw.Draw(page)
    body, head = ImageFont.truetype(FONT, 18), ImageFont.truetype(BOLD, 30)
    width = int(draw.textlength(LINE, font=body))
    y = 60
    draw.text((60, y), "Results and methods", font=head, fill="black")
    y += 60
    for lines in (4, 3):
        for i in range(lines):
            draw.text((60, y), LINE if i < lines - 1 else "the end of it.", font=body, fill="black")
            y += 26
        y += 24
    formula = "E = m c² + Σ x"
    draw.text((60 + (width - draw.textlength(formula, font=body)) / 2, y), formula, font=body, fill="black")
    y += 60
    for row, cells in enumerate((("Name", "Count", "Share"), ("alpha", "12", "0.5"), ("beta", "7", "0.25"))):
        if row < 2:
            draw.line([(100, y - 6), (100 + width, y - 6)], fill="black", width=2)
        for k, cell in enumerate(cells):
            draw.text((110 + 180 * k, y), cell, font=body, fill="black")
        y += 32
    draw.line([(100, y - 4), (100 + width, y - 4)], fill="black", width=2)
    y += 30
    for i in range(3):
        draw.text((60, y), LINE if i < 2 else "and stops.", font=body, fill="black")
        y += 26
    draw.text((60 + width // 2, 1040), "7", font=body, fill="black")
    return page
