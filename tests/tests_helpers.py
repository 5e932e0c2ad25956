"""Small builders shared by tests (importable: tests/ is on sys.path via pytest rootdir)."""
from PIL import Image, ImageDraw


def text_image(text: str = "Hello OCR 2.0", size: tuple[int, int] = (320, 96)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).text((10, size[1] // 3), text, fill="black")
    return img
