"""The 台账 web view: pages over the services, for a Telegram Mini App, a Matrix widget or a browser."""

from sanhui_bot.adapters.web.server import WebServer

__all__ = ["WebServer"]
