"""The web page driven in a real headless Chromium (Debian's, through Playwright): upload, draw a
box, read, see the rendered result; by keyboard too, and at a phone's width."""
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("fastapi")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (apt-get install chromium)")

from genocr.models.registry import REGISTRY, ModelSpec  # noqa: E402
from genocr.serve.app import Settings, create_app  # noqa: E402
from tests_helpers import text_image  # noqa: E402


@pytest.fixture()
def server(line_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import uvicorn

    monkeypatch.setitem(REGISTRY, "genocr-small", ModelSpec("genocr-small", "genocr-small", str(line_model), "tiny", "Apache-2.0"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings()), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def test_upload_draw_a_box_read_and_see_the_result(server: str, browser: object, tmp_path: Path) -> None:
    image = tmp_path / "page.png"
    text_image("abc abc", (600, 300)).save(image)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "/")
    page.set_input_files("#file", str(image))
    page.wait_for_function("document.getElementById('page-image').naturalWidth > 0")
    r = page.locator("#page-image").bounding_box()
    page.mouse.move(r["x"] + 10, r["y"] + 10)
    page.mouse.down()
    page.mouse.move(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2, steps=5)
    page.mouse.up()
    scale = 600 / r["width"]  # the box is in the page's own pixels, not the screen's
    assert abs(int(page.input_value("#x1")) - 10 * scale) <= 1
    assert abs(int(page.input_value("#x2")) - r["width"] / 2 * scale) <= 1
    assert page.text_content("#prompt").startswith("[") and page.text_content("#prompt").endswith("OCR: ")
    page.click("#read")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Read in')", timeout=30_000)
    assert "<!doctype html" in page.get_attribute("#rendered", "srcdoc").lower()
    page.screenshot(path=str(tmp_path / "page.png"))


def test_keyboard_and_a_phones_width(server: str, browser: object, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/")
    reached = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.name || document.activeElement.tagName"))
    assert {"file", "task", "x1", "color", "clear-box", "page"} <= reached
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    page.fill("#x1", "1"), page.fill("#y1", "2"), page.fill("#x2", "30"), page.fill("#y2", "40")
    page.select_option("#color", "red")
    assert page.text_content("#prompt") == "[red] OCR: "
