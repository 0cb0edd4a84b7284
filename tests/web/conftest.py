"""The web view's tests: shared helpers of tests/ and tests/telegram on the path, Chromium named in the
header, and where the browser tests keep their screenshots."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

_TESTS = Path(__file__).resolve().parents[1]
for folder in (_TESTS, _TESTS / "telegram"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

from web_support import chromium, chromium_or_fail, chromium_version  # noqa: E402

# Screenshots of every page at 390×844, kept after the run (SANHUI_WEB_SCREENSHOTS names the folder).
SCREENSHOTS = Path(os.environ.get("SANHUI_WEB_SCREENSHOTS") or tempfile.mkdtemp(prefix="sanhui-web-shots-"))


_BROWSERS_USED: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the Chromium the browser tests ran in, and where their screenshots are."""
    if not _BROWSERS_USED:
        return
    shots = sorted(SCREENSHOTS.glob("*.png"))
    terminalreporter.write_sep(
        "-",
        f"web view browser tests ran in {_BROWSERS_USED[0]}; {len(shots)} screenshots (390x844) in {SCREENSHOTS}",
    )


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium from Debian's package, driven by Playwright (no browser download)."""
    async with chromium() as launched:
        if not _BROWSERS_USED:
            path = chromium_or_fail()
            _BROWSERS_USED.append(f"{chromium_version(path)} (Playwright reports {launched.version}, {path})")
        yield launched
