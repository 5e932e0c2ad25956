"""The service through its test client: every endpoint, its limits and its errors (always JSON)."""
import io
import json
import time
from pathlib import Path
from typing import Iterator

import pytest
from PIL import Image

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from genocr.io import Limits  # noqa: E402
from genocr.models.registry import REGISTRY, ModelSpec  # noqa: E402
from genocr.serve.app import Settings, create_app  # noqa: E402
from tests_helpers import text_image  # noqa: E402


@pytest.fixture()
def client(line_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setitem(REGISTRY, "tiny", ModelSpec("tiny", "genocr-small", str(line_model), "a tiny reader", "Apache-2.0"))
    app = create_app(Settings(models=("tiny",), max_upload_bytes=200_000, limits=Limits(pixels=2_000_000, pages=5)))
    with TestClient(app) as client:  # one event loop for the whole test: background jobs run on it
        yield client


def png(size: tuple[int, int] = (300, 120)) -> bytes:
    out = io.BytesIO()
    text_image("abc abc", size).save(out, "PNG")
    return out.getvalue()


def test_read_returns_the_result_tree_with_the_prompt(client: TestClient) -> None:
    r = client.post("/v1/read", files={"file": ("a.png", png())}, data={"model": "tiny", "box": "0,0,150,60", "html": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["prompt"] == "[0, 0, 500, 500] OCR: " and body["task"] == "plain"
    assert body["source"] == "a.png"  # the upload's name, not the "<image>" of bytes in memory
    assert body["html"].lstrip().lower().startswith("<!doctype html")
    assert client.post("/v1/read", files={"file": ("a.png", png())}, data={"model": "tiny", "to": "txt"}).headers[
        "content-type"].startswith("text/plain")


@pytest.mark.parametrize(("data", "files", "status", "fragment"), [
    ({"model": "tiny", "box": "1,2,3"}, None, 400, "four numbers"),
    ({"model": "tiny", "to": "docx"}, None, 400, "unknown output format"),
    ({"model": "got-ocr2"}, None, 400, "not served here"),
    ({"model": "tiny", "task": "format"}, None, 400, "does not support formatted"),
    ({"model": "tiny"}, {"file": ("x.png", b"not an image")}, 422, "not a readable image"),
    ({"model": "tiny"}, {"file": ("x.png", b"\x00" * 300_000)}, 413, "larger than"),
    ({"model": "tiny"}, {"file": ("x.png", b"")}, 400, "empty"),
    ({"model": "tiny", "dpi": "5"}, None, 400, "dpi"),
    ({}, {}, 422, "file"),
])
def test_errors_are_json_with_their_status(client: TestClient, data: dict, files: dict | None, status: int,
                                           fragment: str) -> None:
    r = client.post("/v1/read", files=files if files is not None else {"file": ("a.png", png())}, data=data)
    assert r.status_code == status and fragment in r.json()["error"], r.text


def test_decompression_bombs_and_long_documents_are_refused(client: TestClient) -> None:
    big = io.BytesIO()
    Image.new("L", (2000, 1500), 255).save(big, "PNG")
    r = client.post("/v1/read", files={"file": ("big.png", big.getvalue())}, data={"model": "tiny"})
    assert r.status_code == 422 and "--max-pixels" in r.json()["error"]


def test_a_full_queue_answers_429(client: TestClient) -> None:
    client.app.state.service.waiting = 100
    r = client.post("/v1/read", files={"file": ("a.png", png())}, data={"model": "tiny"})
    assert r.status_code == 429 and "busy" in r.json()["error"]


def test_bearer_token(line_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, "tiny", ModelSpec("tiny", "genocr-small", str(line_model), "tiny", "Apache-2.0"))
    client = TestClient(create_app(Settings(token="s3cret", models=("tiny",))))
    assert client.get("/v1/models").status_code == 401
    assert client.get("/v1/models", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/healthz").status_code == 200  # health needs no token


def test_models_health_docs_and_page(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    (model,) = client.get("/v1/models").json()["models"]
    assert model["name"] == "tiny" and "box" in model["features"]
    assert "/v1/read" in client.get("/openapi.json").json()["paths"]
    assert "openapi.json" in client.get("/docs").text and "<canvas" not in client.get("/").text
    assert client.get("/static/app.js").status_code == 200


def test_streaming_sends_lines_then_the_result(client: TestClient) -> None:
    with client.stream("POST", "/v1/read", files={"file": ("a.png", png((300, 300)))},
                       data={"model": "tiny", "stream": "true"}) as r:
        text = "".join(r.iter_text())
    events = [block.split("\n") for block in text.strip().split("\n\n")]
    assert events[-1][0] == "event: result" and all(e[0] == "event: line" for e in events[:-1])
    assert json.loads(events[-1][1][len("data: "):])["model"] == "tiny"


def test_a_job_reports_progress_then_its_result(client: TestClient, pdf3_path: Path) -> None:
    r = client.post("/v1/jobs", files={"file": ("d.pdf", pdf3_path.read_bytes())}, data={"model": "tiny", "dpi": "72"})
    assert r.status_code == 202 and r.json()["pages_total"] == 3
    job_id = r.json()["id"]
    for _ in range(100):
        status = client.get(f"/v1/jobs/{job_id}").json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "done" and status["pages_done"] == 3 and len(status["result"]["pages"]) == 3
    assert status["result"]["source"] == "d.pdf"
    assert client.get("/v1/jobs/nope").status_code == 404


def test_pixel_endpoints_and_page_rendering_return_pngs(client: TestClient, pdf3_path: Path) -> None:
    r = client.post("/v1/render", files={"file": ("d.pdf", pdf3_path.read_bytes())}, data={"page": "2", "dpi": "50"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(r.content)).size[0] > 0
    r = client.post("/v1/segment", files={"file": ("a.png", png())})
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (300, 120)


def test_a_streamed_text_result_is_one_event(client: TestClient) -> None:
    with client.stream("POST", "/v1/read", files={"file": ("a.png", png((300, 300)))},
                       data={"model": "tiny", "stream": "true", "to": "txt"}) as r:
        events = "".join(r.iter_text()).strip().split("\n\n")
    kind, data = events[-1].split("\n")
    assert kind == "event: result" and isinstance(json.loads(data[len("data: "):]), str)


def test_a_body_without_its_length_is_refused(client: TestClient) -> None:
    r = client.post("/v1/read", content=iter([b"x" * 10]), headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 411 and "Content-Length" in r.json()["error"]
