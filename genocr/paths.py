"""Where genocr keeps what it makes outside the repository: bench outputs and caches, dev sets
built here, data corpora (``$GENOCR_HOME``, by default ``~/.cache/genocr``)."""
from __future__ import annotations

import os
from pathlib import Path

HOME = Path(os.environ.get("GENOCR_HOME", Path.home() / ".cache" / "genocr"))
