"""Progress for long work: a bar on a terminal, plain periodic lines anywhere else.

A tqdm bar in a log file (``nohup``, CI, a service) is either silent or a smear of carriage
returns. Off a terminal, this writes one line every ``every`` seconds instead: items done of
the total, the rate and the time left.
"""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """``with Progress(total, "page", "reading") as bar: bar.update(n)``; ``bar.write(msg)``
    prints a message without breaking the bar."""

    def __init__(self, total: int | None, unit: str, desc: str, every: float = 10.0,
                 file: TextIO | None = None) -> None:
        self.file = file or sys.stderr
        self.total, self.unit, self.desc, self.every = total or None, unit, desc, every
        self.done, self.start = 0, time.perf_counter()
        self._last = self.start
        self._bar: Any = None
        if self.file.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, unit=unit, desc=desc, file=self.file, dynamic_ncols=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.perf_counter()
        if now - self._last >= self.every:
            self._last = now
            print(self.line(now), file=self.file, flush=True)

    def line(self, now: float | None = None) -> str:
        """``reading: 40/100 pages, 1.25 pages/s, 48 s left``."""
        elapsed = max(1e-9, (now or time.perf_counter()) - self.start)
        rate = self.done / elapsed
        of = f"/{self.total}" if self.total else ""
        left = f", {round((self.total - self.done) / rate)} s left" if self.total and rate > 0 else ""
        return f"{self.desc}: {self.done}{of} {self.unit}s, {rate:.2f} {self.unit}s/s{left}"

    def write(self, message: str) -> None:
        if self._bar is not None:
            self._bar.write(message, file=self.file)
        else:
            print(message, file=self.file, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.done and time.perf_counter() - self.start >= self.every:
            print(self.line(), file=self.file, flush=True)
