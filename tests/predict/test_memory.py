"""A fixed mmap threshold: large blocks stay mmapped after glibc has seen a larger one freed."""
import subprocess
import sys

import pytest

PROBE = """
import ctypes, sys
from genocr.predict.memory import fix_mmap_threshold
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free(ctypes.c_void_p(libc.malloc(24 << 20)))  # unfixed glibc now raises its threshold to 24 MiB
block = libc.malloc(6 << 20)
print(block % 4096 == 16)  # an mmapped chunk sits just past a page boundary (its 16-byte header)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_large_blocks_stay_mmapped_after_a_larger_free() -> None:
    def mmapped(mode: str) -> bool:
        out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
        return out.stdout.strip() == "True"

    assert mmapped("fixed") and not mmapped("default")
