"""mimalloc for the server's processes, when it is installed (Debian: libmimalloc2.0).

pyoxigraph allocates and frees many small blocks for every query (parsing, planning, the
evaluator's tables); with glibc's malloc that is about a fifth of a query worker's time. With
mimalloc a point lookup costs the worker a third less CPU, and the store takes less memory.
A malloc can only be chosen before the interpreter starts, so `territoires-lod serve` runs itself
again with LD_PRELOAD set, once: the variable below marks the second run. Setting it to `system`
beforehand keeps glibc's malloc.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

ENV = "TERRITOIRES_LOD_ALLOCATOR"
MIMALLOC = "mimalloc"


def exec_with_mimalloc() -> None:
    """Run this same command again with mimalloc preloaded; return if it is not installed, or
    already chosen, or declined."""
    if os.environ.get(ENV):
        return
    library = ctypes.util.find_library(MIMALLOC)  # a soname such as libmimalloc.so.2, or None
    if library is None:
        return
    preload = " ".join(filter(None, (library, os.environ.get("LD_PRELOAD"))))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, sys.orig_argv, {**os.environ, ENV: MIMALLOC, "LD_PRELOAD": preload})


def allocator_in_use() -> str:
    """`mimalloc` if it is mapped into this process, else `system`."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            return MIMALLOC if any(f"lib{MIMALLOC}" in line for line in maps) else "system"
    except OSError:
        return "system"
