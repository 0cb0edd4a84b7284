#!/usr/bin/env python3
"""sanhui-bot's entry point: `python bot.py --help` lists the commands."""

import sys

from sanhui_bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
