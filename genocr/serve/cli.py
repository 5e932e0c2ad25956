"""``genocr serve``: the HTTP service and its web page."""
from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--token", envvar="GENOCR_TOKEN", default=None, help="Require 'Authorization: Bearer TOKEN' on /v1 (or GENOCR_TOKEN).")
@click.option("--models", default="genocr-small", show_default=True, help="Registered models a client may name, comma-separated.")
@click.option("--max-upload-mb", type=click.IntRange(1), default=50, show_default=True)
@click.option("--max-pixels", type=click.IntRange(1), default=50_000_000, show_default=True, help="Per page.")
@click.option("--max-pages", type=click.IntRange(1), default=200, show_default=True, help="Per document.")
@click.option("--timeout", type=click.FloatRange(1), default=120.0, show_default=True, help="Seconds per request.")
@click.option("--queue", type=click.IntRange(0), default=8, show_default=True,
              help="Requests that may wait for the reader; more get 429.")
def serve_cli(host: str, port: int, token: str | None, models: str, max_upload_mb: int, max_pixels: int,
              max_pages: int, timeout: float, queue: int) -> None:
    """Serve OCR over HTTP (POST /v1/read, /v1/erase, ...) and a web page at / (FastAPI, uvicorn)."""
    from genocr.errors import OptionError
    from genocr.io import Limits
    from genocr.models.registry import REGISTRY

    names = tuple(m.strip() for m in models.split(",") if m.strip())
    unknown = [m for m in names if m not in REGISTRY]
    if unknown:
        raise OptionError(f"--models: '{unknown[0]}' is not a registered model (see genocr models)")
    try:
        from genocr.serve.app import Settings, serve
    except ImportError:
        raise OptionError("genocr serve needs FastAPI and uvicorn: pip install 'genocr[serve]'") from None
    settings = Settings(token=token, max_upload_bytes=max_upload_mb << 20, limits=Limits(pixels=max_pixels, pages=max_pages),
                        timeout_s=timeout, queue=queue, models=names)
    click.echo(f"genocr serving on http://{host}:{port}/ (API: /v1, spec: /docs)", err=True)
    serve(host, port, settings)
