"""sanhui-bot: a chat bot and task tracker for a Party branch's 三会一课."""

__version__ = "0.1.0"
