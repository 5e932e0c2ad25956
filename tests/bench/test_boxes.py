"""The boxes bench on a page whose words' true boxes are known, upright and turned."""
import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from genocr.bench import boxes
from tests_helpers import FONT


def test_words_are_found_on_the_page_and_on_its_turned_copy(tmp_path: Path) -> None:
    page = Image.new("RGB", (900, 500), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 22)
    lines = []
    for r, text in enumerate(["reading words where they are", "every box is known here", "and turned as well"]):
        x, y, words = 80, 80 + r * 60, []
        for word in text.split():
            draw.text((x, y), word, font=font, fill="black")
            words.append({"text": word, "box": list(draw.textbbox((x, y), word, font=font))})
            x = draw.textbbox((x, y), word + " ", font=font)[2]
        lines.append({"words": words})
    (tmp_path / "doc_page_en").mkdir()
    page.save(tmp_path / "doc_page_en" / "p1.png")
    (tmp_path / "doc_page_en" / "p1.boxes.json").write_text(json.dumps({"lines": lines}))
    text = boxes.run("genocr-small", tmp_path, n_synthetic=0, tesseract=False)
    rows = {ln.split("|")[1].strip(): ln.split("|") for ln in text.splitlines() if ln.startswith("| typeset")}
    assert set(rows) == {"typeset pages", f"typeset pages turned ±{boxes.TURN:g}°"}
    for row in rows.values():
        assert row[3].strip() == "14" and float(row[4]) >= 0.85  # 14 true words, nearly all found
