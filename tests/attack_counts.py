"""What the attack tests of issue 13 measured, printed at the end of every pytest run.

Each attack (the fuzz, the permission matrix, the SIGKILL soak, the migrations with data) adds its
real counts here as it runs; tests/conftest.py prints one line per attack in the terminal summary,
e.g. `fuzz: lines fuzzed 600, replies 540, refusals 500, crashes 0`. They are bigger with
SANHUI_ATTACK_SCALE=10 (ten times the CI default).
"""

from __future__ import annotations

import os

SCALE_VARIABLE = "SANHUI_ATTACK_SCALE"

_counts: dict[str, dict[str, int]] = {}


def scale() -> int:
    """How many times the CI default size the attacks run at (SANHUI_ATTACK_SCALE, default 1)."""
    value = os.environ.get(SCALE_VARIABLE, "").strip()
    return max(1, int(value)) if value.isdigit() else 1


def count(attack: str, **measures: int) -> None:
    """Add measured numbers to an attack's line (several tests, e.g. one per database, add up)."""
    line = _counts.setdefault(attack, {})
    for name, value in measures.items():
        line[name] = line.get(name, 0) + value


def summary_lines() -> list[str]:
    """One line per attack that ran: `name: measure N, measure N`."""
    return [
        f"{attack}: " + ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in measures.items())
        for attack, measures in _counts.items()
    ]
