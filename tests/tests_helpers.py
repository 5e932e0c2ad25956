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
