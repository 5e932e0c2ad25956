"""``genocr serve``: OCR-2.0 as an HTTP service and a web page, on one machine of yours.

One model of each kind is loaded once and shared; reads run one at a time on a worker thread
(a model already uses every core), behind a bounded queue that answers 429 when full. An
upload is bounded in bytes, its pages in pixels and number, a request in time; the client names
registered models only, never a path on the server. Every error is JSON with a clear message
and its status code, never a traceback. The web page and its assets (KaTeX included) are served
by the app itself: nothing comes from a CDN.
"""
from __future__ import annotations

import asyncio
import hmac
import io
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from genocr.errors import GenocrError, InputError, ModelError, OptionError
from genocr.io import Limits

STATIC = Path(__file__).with_name("static")
VENDOR = Path(__file__).resolve().parents[1] / "export" / "vendor"
FORMATS = ("json", "txt", "md", "html", "hocr", "alto")
MAX_JOBS = 100  # finished jobs kept for their clients; older ones are dropped


@dataclass
class Settings:
    """What the service allows; every value is a command-line option of ``genocr serve``."""

    token: str | None = None  # a bearer token every /v1 request must carry (None: open)
    max_upload_bytes: int = 50 << 20
    limits: Limits = field(default_factory=lambda: Limits(pixels=50_000_000, pages=200))
    timeout_s: float = 120.0  # per request (a job's pages are not bounded by it)
    queue: int = 8  # requests waiting for the reader beyond the one it reads
    models: tuple[str, ...] = ("genocr-small",)  # the registered models a client may name


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Service:
    """The shared state: loaded models, the reader thread, the queue count and the jobs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.models: dict[str, Any] = {}
        self.pixel: Any = None
        self.lock = threading.Lock()  # one read at a time; the model uses every core
        self.loading = threading.Lock()  # one model load at a time, beside the reads
        self.waiting = 0  # requests admitted and not yet finished on the reader thread
        self.jobs: dict[str, dict[str, Any]] = {}

    def ocr(self, name: str) -> Any:
        """The model ``name``, loaded on first use and shared (a registered, served name only)."""
        from genocr.predict.reader import OCR

        if name not in self.settings.models:
            raise ApiError(400, f"model '{name}' is not served here (served: {', '.join(self.settings.models)})")
        with self.loading:
            if name not in self.models:
                self.models[name] = OCR.load(name)
        return self.models[name]

    def pixel_model(self) -> Any:
        if self.pixel is None:
            from genocr.pixel.predict import PixelModel

            self.pixel = PixelModel.load()
        return self.pixel

    async def run(self, work: Callable[[], Any], timeout: float | None = None) -> Any:
        """``work`` on the reader thread, after the reads before it; 429 when the queue is full,
        504 past the time limit. A read past its limit cannot be stopped: it keeps its place in
        the queue until it ends, so the bound still holds."""
        if self.waiting > self.settings.queue:
            raise ApiError(429, f"the service is busy: {self.waiting} requests waiting (try again shortly)")
        self.waiting += 1
        loop = asyncio.get_running_loop()

        def locked() -> Any:
            try:
                with self.lock:
                    return work()
            finally:
                loop.call_soon_threadsafe(self._finished)

        try:
            return await asyncio.wait_for(asyncio.to_thread(locked), timeout or self.settings.timeout_s)
        except asyncio.TimeoutError:
            raise ApiError(504, f"the request took longer than {timeout or self.settings.timeout_s:g} s") from None

    def _finished(self) -> None:
        self.waiting -= 1


class BodyLimit:
    """Refuse a POST whose body is larger than ``limit`` (plus room for the form's other fields)
    before any of it is read: FastAPI would otherwise spool a whole upload to disk first. A
    body must say its length (every browser and HTTP library does for a form upload); the
    server stops reading at that length."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit + (64 << 10)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            length = dict(scope["headers"]).get(b"content-length")
            problem = (411, "the request must give its Content-Length") if length is None or not length.isdigit() \
                else (413, f"the upload is larger than {self.limit - (64 << 10)} bytes") if int(length) > self.limit \
                else None
            if problem:
                await JSONResponse({"error": problem[1]}, status_code=problem[0])(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _upload(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refused past ``limit`` (the file part alone; see BodyLimit)."""
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, f"the upload is larger than {limit} bytes")
    if not data:
        raise ApiError(400, "the upload is empty")
    return data


def _named(result: Any, file: UploadFile) -> Any:
    """The result named after the uploaded file (its base name, printable, at most 200
    characters) rather than the "<image>" of bytes read from memory."""
    name = "".join(c for c in Path(file.filename or "").name if c.isprintable())[:200]
    if name:
        result.source = name
    return result


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI application (``uvicorn`` serves it; tests call it in-process)."""
    from genocr import __version__

    service = Service(settings or Settings())
    app = FastAPI(title="genocr", version=__version__, docs_url=None,
                  description="OCR-2.0 on your own machine: text, formulas, tables, boxes; erase, segment, tamper.")
    app.state.service = service
    app.add_middleware(BodyLimit, limit=service.settings.max_upload_bytes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if (VENDOR / "katex").is_dir():
        app.mount("/vendor", StaticFiles(directory=VENDOR), name="vendor")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.exception_handler(GenocrError)
    async def genocr_error(request: Request, exc: GenocrError) -> JSONResponse:
        status = 400 if isinstance(exc, OptionError) else 422 if isinstance(exc, InputError) else 503 \
            if isinstance(exc, ModelError) else 400
        return JSONResponse({"error": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ())[1:]) or "request"
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, status_code=422)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)

    @app.middleware("http")
    async def bearer(request: Request, call_next: Callable[[Request], Any]) -> Response:
        token = service.settings.token
        if token and request.url.path.startswith("/v1/"):
            if not hmac.compare_digest(request.headers.get("authorization", "").encode(), f"Bearer {token}".encode()):
                return JSONResponse({"error": "a valid bearer token is required"}, status_code=401,
                                    headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """The API, described by its OpenAPI spec (``/openapi.json``), readable offline."""
        return HTMLResponse((STATIC / "docs.html").read_text(encoding="utf-8"))

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "waiting": service.waiting}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        from genocr.models.registry import REGISTRY, features_of

        out = []
        for name in service.settings.models:
            spec = REGISTRY.get(name)
            served = features_of(name) if spec and spec.present else None
            out.append({"name": name, "description": spec.description if spec else "", "present": bool(spec and spec.present),
                        "features": sorted(served or [])})
        return {"models": out}

    @app.post("/v1/read")
    async def read(file: UploadFile = File(...), task: str = Form("plain"), box: str | None = Form(None),
                   color: str | None = Form(None), tiles: str | None = Form(None), pages: str | None = Form(None),
                   multi_page: bool = Form(False), model: str = Form("genocr-small"), to: str = Form("json"),
                   dpi: int = Form(150), html: bool = Form(False), stream: bool = Form(False)) -> Response:
        """Read an image or PDF; the JSON result tree (``to=json``) or one rendered format.
        ``html=true`` adds the standalone HTML rendering to the JSON; ``stream=true`` answers
        with server-sent events, one per line read, then the result."""
        from genocr.export import render
        from genocr.tasks import got_query, normalize_box

        if to not in FORMATS:
            raise ApiError(400, f"unknown output format '{to}' (choose {', '.join(FORMATS)})")
        if not 36 <= dpi <= 600:
            raise ApiError(400, f"dpi must be between 36 and 600, not {dpi}")
        data = await _upload(file, service.settings.max_upload_bytes)
        ocr = await asyncio.to_thread(service.ocr, model)
        query = ocr.check(task=task, box=box, color=color, tiles=tiles, multi_page=multi_page)
        options = dict(task=task, box=box, color=color, tiles=tiles, pages=pages, multi_page=multi_page, dpi=dpi,
                       limits=service.settings.limits)

        def finish(result: Any) -> Response:
            result = _named(result, file)
            if to != "json":
                return Response(render(result, to), media_type="text/html" if to == "html" else "text/plain")
            asked = query  # GOT's query text, its box on the 0-1000 scale of the first page
            if query.box is not None and result.pages and result.pages[0].width:
                asked = replace(query, box=normalize_box(query.box, (result.pages[0].width, result.pages[0].height)))
            body = result.to_dict() | {"prompt": got_query(asked)}
            if html:
                body["html"] = render(result, "html")
            return JSONResponse(body)

        if not stream:
            return finish(await service.run(lambda: ocr.read(data, **options)))
        return StreamingResponse(_events(service, lambda on_text: ocr.read(data, on_text=on_text, **options), finish),
                                 media_type="text/event-stream")

    async def pixel(file: UploadFile, task: str) -> Response:
        from genocr.io import load_pages

        data = await _upload(file, service.settings.max_upload_bytes)

        def work() -> bytes:
            page = load_pages(data, pages=[1], limits=service.settings.limits)[0]
            out = io.BytesIO()
            service.pixel_model().run(page.image, task).save(out, "PNG")
            return out.getvalue()

        return Response(await service.run(work), media_type="image/png")

    @app.post("/v1/erase", responses={200: {"content": {"image/png": {}}}})
    async def erase(file: UploadFile = File(...)) -> Response:
        """The first page with its text erased (PNG)."""
        return await pixel(file, "removal")

    @app.post("/v1/segment", responses={200: {"content": {"image/png": {}}}})
    async def segment(file: UploadFile = File(...)) -> Response:
        """The first page's text mask, 255 = text (PNG)."""
        return await pixel(file, "segmentation")

    @app.post("/v1/tamper", responses={200: {"content": {"image/png": {}}}})
    async def tamper(file: UploadFile = File(...)) -> Response:
        """The first page's mask of edited text (PNG)."""
        return await pixel(file, "tamper")

    @app.post("/v1/render", responses={200: {"content": {"image/png": {}}}})
    async def render_page(file: UploadFile = File(...), page: int = Form(1), dpi: int = Form(100)) -> Response:
        """One page of an image or PDF as PNG (for the web page's preview of PDFs)."""
        from genocr.io import load_pages

        if not 36 <= dpi <= 300:
            raise ApiError(400, f"dpi must be between 36 and 300, not {dpi}")
        data = await _upload(file, service.settings.max_upload_bytes)

        def work() -> bytes:
            image = load_pages(data, pages=[page], dpi=dpi, limits=service.settings.limits)[0].image
            out = io.BytesIO()
            image.save(out, "PNG")
            return out.getvalue()

        return Response(await service.run(work), media_type="image/png", headers={"X-Page": str(page)})

    @app.post("/v1/jobs", status_code=202)
    async def start_job(file: UploadFile = File(...), task: str = Form("plain"), model: str = Form("genocr-small"),
                        pages: str | None = Form(None), dpi: int = Form(150)) -> dict[str, Any]:
        """Read a long PDF in the background; ``GET /v1/jobs/{id}`` reports its progress."""
        from genocr.io import count_pages, parse_page_range

        if not 36 <= dpi <= 600:
            raise ApiError(400, f"dpi must be between 36 and 600, not {dpi}")
        data = await _upload(file, service.settings.max_upload_bytes)
        selected = parse_page_range(pages)
        count = await asyncio.to_thread(count_pages, data, service.settings.limits)
        total = len([p for p in selected if p <= count]) if selected else count
        finished = [k for k, j in service.jobs.items() if j["status"] in ("done", "failed")]
        for old in finished[: max(0, len(service.jobs) - MAX_JOBS + 1)]:  # oldest finished results go first
            del service.jobs[old]
        job_id = uuid.uuid4().hex
        job: dict[str, Any] = {"id": job_id, "status": "queued", "pages_done": 0, "pages_total": total, "result": None,
                               "error": None, "started": time.time()}
        service.jobs[job_id] = job

        async def go() -> None:
            try:
                ocr = await asyncio.to_thread(service.ocr, model)
                job["status"] = "running"
                result = await service.run(lambda: ocr.read(
                    data, task=task, pages=pages, dpi=dpi, limits=service.settings.limits,
                    on_page=lambda p: job.update(pages_done=job["pages_done"] + len(p.pages))), timeout=24 * 3600)
                job.update(status="done", result=_named(result, file).to_dict())
            except (ApiError, GenocrError) as exc:
                job.update(status="failed", error=getattr(exc, "message", str(exc)))
            except Exception as exc:  # the job reports it; the service goes on
                job.update(status="failed", error=f"internal error: {type(exc).__name__}")

        service.jobs[job_id]["task"] = asyncio.create_task(go())
        return {"id": job_id, "status": "queued", "pages_total": total}

    @app.get("/v1/jobs/{job_id}")
    async def job_status(job_id: str) -> dict[str, Any]:
        job = service.jobs.get(job_id)
        if job is None:
            raise ApiError(404, f"no job {job_id}")
        return {k: v for k, v in job.items() if k != "task"}

    return app


async def _events(service: Service, work: Callable[[Callable[[str], None]], Any],
                  finish: Callable[[Any], Response]) -> AsyncIterator[bytes]:
    """Server-sent events: one ``line`` event per line read, then ``result`` (or ``error``)."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    task = asyncio.create_task(service.run(lambda: work(lambda t: loop.call_soon_threadsafe(lines.put_nowait, t))))
    task.add_done_callback(lambda _: loop.call_soon_threadsafe(lines.put_nowait, None))
    while (line := await lines.get()) is not None:
        yield f"event: line\ndata: {json.dumps(line)}\n\n".encode()
    try:
        response = finish(task.result())
        body = bytes(response.body)
        data = body if response.media_type == "application/json" else json.dumps(body.decode()).encode()
        yield b"event: result\ndata: " + data + b"\n\n"  # one line: JSON, or a rendered text as a JSON string
    except (ApiError, GenocrError) as exc:
        yield f"event: error\ndata: {json.dumps({'error': getattr(exc, 'message', str(exc))})}\n\n".encode()
    except Exception as exc:
        yield f"event: error\ndata: {json.dumps({'error': f'internal error: {type(exc).__name__}'})}\n\n".encode()


def serve(host: str, port: int, settings: Settings) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
