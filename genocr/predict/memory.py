"""Keep a long reading session's memory flat (Linux, glibc).

glibc hands a freed block above its mmap threshold back to the system, but then raises the
threshold to that block's size (up to 32 MiB), so the next line batches, each of another shape,
are carved from the heap instead, which fragments and only grows: genocr-small's peak RSS rose
from 681 to 956 MiB over the 10 English dev pages read in one process. With the threshold
fixed at 4 MiB, activations stay mmapped and the peak stayed at 651 MiB, at the same speed
within this 2-core machine's noise (1 MiB: 602 MiB, but about 18% slower).
"""
from __future__ import annotations

import ctypes
import functools
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
THRESHOLD = 4 << 20


@functools.cache
def fix_mmap_threshold(nbytes: int = THRESHOLD) -> bool:
    """Fix glibc's mmap threshold for this process (once: it is process-wide); False where
    there is no glibc to tell."""
    if not sys.platform.startswith("linux"):
        return False
    try:  # the process's own symbols, libc's among them (find_library would fork a subprocess)
        return bool(ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, nbytes))
    except (OSError, AttributeError):  # a libc without mallopt (musl)
        return False
