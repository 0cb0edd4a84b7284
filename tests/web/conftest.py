"""The web view's tests import the shared helpers of tests/ and the Telegram emulator of tests/telegram."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1]
for folder in (_TESTS, _TESTS / "telegram"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
