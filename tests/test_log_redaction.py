"""No token, password or access token in any log line, traceback included (issue 13)."""

from __future__ import annotations

import io
import logging

import pytest

from sanhui_bot.config import database_password
from sanhui_bot.log_redaction import install_redaction

TOKEN = "7000001:AAH-secret_token"


@pytest.fixture
def captured() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger("redaction-test")
    logger.handlers = [logging.StreamHandler(stream)]
    logger.handlers[0].setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    install_redaction([TOKEN, "pa ss/word"], logger)
    return logger, stream


def test_a_token_in_a_url_argument_is_masked(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.debug("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    assert (
        stream.getvalue()
        == "DEBUG redaction-test: HTTP Request: POST https://api.telegram.org/bot***/getUpdates\n"
    )


def test_a_secret_in_a_traceback_or_url_quoted_is_masked(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise ConnectionError(f"cannot reach postgresql://sanhui:pa%20ss%2Fword@db/sanhui with {TOKEN}")
    except ConnectionError:
        logger.exception("start failed")
    text = stream.getvalue()
    assert "Traceback" in text and "ConnectionError" in text
    assert (
        TOKEN not in text
        and "pa%20ss%2Fword" not in text
        and text.endswith("postgresql://sanhui:***@db/sanhui with ***\n")
    )


def test_installing_twice_keeps_one_layer(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    install_redaction(["other-secret"], logger)
    logger.warning("other-secret and %s", TOKEN)
    assert stream.getvalue() == "WARNING redaction-test: *** and ***\n"


def test_the_database_password_is_a_secret() -> None:
    assert database_password("postgresql://sanhui:s%40cret@db.example.org/sanhui") == "s@cret"
    assert database_password("postgresql://sanhui@db.example.org/sanhui") is None
    assert database_password("sqlite:///data/sanhui.db") is None
