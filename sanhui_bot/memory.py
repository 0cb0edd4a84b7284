"""Give the heap that start-up freed back to the system (issue 15, "Memory and start").

Start-up allocates and frees a lot of short-lived memory: the config's validation, compiling the
command parser's patterns, the roster sync, Matrix's first sync. glibc keeps freed blocks inside its
heaps for reuse, so the process's resident memory stays at the start-up peak although the bot, once
idle, uses less. `malloc_trim(0)` hands the free pages of every glibc heap back to the kernel (it
releases whole free pages in the middle of a heap too, not only its top). Python's own small-object
arenas are not touched: they are returned by CPython itself when they empty.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)


def release_freed_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library has no `malloc_trim`."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        malloc_trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim this way
        log.debug("malloc_trim is not available; freed memory stays with the allocator")
        return False
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    malloc_trim(0)
    return True
