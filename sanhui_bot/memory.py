"""What the bot holds at idle (issue 15, "Memory and start"): the heap freed after start-up is given
back to the system, what start-up built is kept out of the garbage collector's full passes, and a
polling bot does not load the webhook server.

Start-up allocates and frees a lot of short-lived memory: the config's validation, compiling the
command parser's patterns, the roster sync, Matrix's first sync. glibc keeps freed blocks inside its
heaps for reuse, so the process's resident memory stays at the start-up peak although the bot, once
idle, uses less. `malloc_trim(0)` hands the free pages of every glibc heap back to the kernel (it
releases whole free pages in the middle of a heap too, not only its top). Python's own small-object
arenas are not touched: they are returned by CPython itself when they empty.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

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


def settle_after_start() -> bool:
    """Once the bot has started: collect start-up's garbage, keep every object left out of the
    garbage collector's future passes (`gc.freeze`), and give the freed heap back to the system.

    A full pass of the collector walks every object the process holds — the config, the roster,
    PTB's and SQLAlchemy's modules and caches — and ran in the middle of whatever update was being
    answered: 46–49 ms with a 200-member branch, the slowest button press of `bench/latency.py`.
    What exists once the bot has started lives as long as the process, so walking it again finds
    nothing; frozen, it is not walked. Objects without reference cycles are still freed by their
    reference counts when they go (an old roster after a re-sync), and what is made after the start
    is collected as before. Returns whether the heap could be trimmed (see `release_freed_memory`).
    """
    gc.collect()
    gc.freeze()
    return release_freed_memory()


@contextmanager
def without_webhook_server() -> Iterator[None]:
    """Import python-telegram-bot inside this block without its webhook server (for polling).

    PTB imports tornado, its webhook server, whenever it can (tornado and the multiprocessing module
    under it are about 3 MB): it is the optional `webhooks` extra, and without it PTB refuses only
    `start_webhook`. Inside the block tornado cannot be imported (a None in `sys.modules` makes the
    import fail); the block is lifted when it ends. Nothing changes if PTB is loaded already.
    """
    if "telegram.ext" in sys.modules or "tornado" in sys.modules:
        yield
        return
    sys.modules["tornado"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "tornado" in sys.modules and sys.modules["tornado"] is None:
            del sys.modules["tornado"]
