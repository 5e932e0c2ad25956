"""Write output files so a crash or Ctrl-C never leaves a half-written result behind."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _final_mode(target: Path) -> int:
    """Temp files are created 0600; keep the old file's mode, or use what open() would give."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)  # the only portable way to read the umask is to set it
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Replace `path` with `data` (str as UTF-8) in one step: readers see the old or the new file, never half."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = tempfile.NamedTemporaryFile(delete=False, dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with tmp:
            tmp.write(payload)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, _final_mode(target))
        os.replace(tmp.name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)
        raise
