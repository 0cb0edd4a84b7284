"""What `bot.py run` needs of a chat platform: start, stop, and post the bot's own messages."""

from __future__ import annotations

from typing import Protocol

from sanhui_bot.render.replies import Reply


class Platform(Protocol):
    """A running chat platform (Telegram, Matrix): it receives updates itself and posts for the announcer.

    It is also the announcer's `Notifier` for its platform.
    """

    platform: str

    async def start(self) -> None:
        """Connect and begin receiving updates (returns once running)."""
        ...

    async def stop(self) -> None:
        """Stop receiving, finish what is in flight, close connections."""
        ...

    def serves(self, chat: str) -> bool:
        """Whether the chat key has a chat on this platform."""
        ...

    async def post(self, chat: str, reply: Reply) -> str:
        """Send to the chat key's chat; return the platform's message id. Raise to retry later."""
        ...

    def refresh(self, subject: str) -> None:
        """Soon edit the messages showing `subject` ("meeting:12") to show it as it is now."""
        ...
