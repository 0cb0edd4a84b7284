"""The Matrix adapter (mautrix): rooms, reactions, edits and end-to-end encryption."""

from sanhui_bot.adapters.matrix.platform import MatrixPlatform

__all__ = ["MatrixPlatform"]
