"""Pure translations between the bot's replies and Matrix messages: no network, no mautrix types.

Matrix has no buttons, so a reply's buttons become reactions (✅ 📝 ❌ under a notice, 👍 👌 👎 under
a task) where one fits, and `!command` hints otherwise. Element treats a leading `/` as a client
command, so hints use `!`; the shared parser accepts both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sanhui_bot.render.replies import Button, Renderer, Reply

# A reaction key → the command verb and final word of the button it presses.
REACTIONS: dict[str, tuple[str, str]] = {
    "✅": ("/rsvp", "yes"),
    "📝": ("/rsvp", "leave"),
    "❌": ("/rsvp", "no"),
    "👍": ("/rate", "satisfied"),
    "👌": ("/rate", "basically_satisfied"),
    "👎": ("/rate", "unsatisfied"),
}
LEAVE_REACTION = "📝"

# Clients add a variation selector (✅️) or a skin tone (👍🏽) to the same reaction.
_EMOJI_DECORATION = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_PILL = re.compile(
    r'<a\s+href="https://matrix\.to/#/(@[^"?/]+)[^"]*"\s*>(.*?)</a>', re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class MatrixText:
    """A message as Matrix carries it: plain `body` and HTML `formatted_body`."""

    body: str
    html: str


def reaction_key(key: str) -> str:
    """The reaction without variation selectors or skin tones, so 👍🏽 counts as 👍."""
    return _EMOJI_DECORATION.sub("", key).strip()


def button_for_reaction(key: str, buttons: Sequence[tuple[str, str]]) -> int | None:
    """The 1-based index of the remembered button a reaction stands for, or None."""
    wanted = REACTIONS.get(reaction_key(key))
    if wanted is None:
        return None
    verb, last = wanted
    for index, (_label, command) in enumerate(buttons, 1):
        words = command.split()
        if len(words) >= 2 and words[0] == verb and words[-1] == last:
            return index
    return None


def bang(command: str) -> str:
    """A command as a Matrix user types it: `!rsvp 3 yes` (Element intercepts a leading `/`)."""
    return "!" + command[1:] if command.startswith("/") else command


def _hints(buttons: Sequence[Button], renderer: Renderer) -> list[str]:
    choices: list[str] = []
    commands: list[str] = []
    pairs = [(button.label, button.command) for button in buttons]
    for index, button in enumerate(buttons, 1):
        emoji = next((key for key in REACTIONS if button_for_reaction(key, pairs) == index), None)
        if emoji is not None:
            choices.append(f"{emoji} {button.label}")
        else:
            commands.append(bang(button.command))
    lines = []
    if choices:
        lines.append(renderer.t("mx_react_hint", choices=" · ".join(choices)))
    if commands:
        lines.append(renderer.t("mx_command_hint", commands=" · ".join(commands)))
    return lines


def matrix_text(reply: Reply, renderer: Renderer) -> MatrixText:
    """A reply as a Matrix notice: its text, then how to answer its buttons; HTML keeps the lines."""
    lines = reply.text.split("\n")
    hints = _hints(reply.buttons, renderer)
    body = "\n".join([*lines, *hints])
    html_lines = [html.escape(line) for line in lines]
    if hints:
        html_lines.append("<i>" + "<br>".join(html.escape(hint) for hint in hints) + "</i>")
    return MatrixText(body=body, html="<br>".join(html_lines))


def mentions_in(formatted_body: str | None) -> dict[str, str]:
    """Pills in an HTML body: the text shown (as typed after `@`) → the Matrix user id it points to."""
    if not formatted_body:
        return {}
    found: dict[str, str] = {}
    for user_id, inner in _PILL.findall(formatted_body):
        shown = html.unescape(_TAG.sub("", inner)).strip().removeprefix("@")
        if shown:
            found[shown] = user_id
    return found


def text_with_pills(body: str, formatted_body: str | None) -> str:
    """The line as typed: Element's plain body drops the `@` of a pill, so rebuild it from the HTML.

    `!decision 听课 <pill 刘洋> 截止:3月20日` becomes `!decision 听课 @刘洋 截止:3月20日`; with the
    pill's user id from `mentions_in`, the parser then finds the person by id.
    """
    if not formatted_body or not _PILL.search(formatted_body):
        return body

    def at_name(match: re.Match[str]) -> str:
        shown = html.unescape(_TAG.sub("", match.group(2))).strip()
        return shown if shown.startswith("@") else f"@{shown}"

    text = _PILL.sub(at_name, formatted_body)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<mx-reply>.*?</mx-reply>", "", text, flags=re.IGNORECASE | re.DOTALL)
    return html.unescape(_TAG.sub("", text)).strip()


def looks_like_command(text: str) -> bool:
    """Whether a line starts like a command (`!` or `/`, half- or full-width)."""
    return text.lstrip().startswith(("!", "/", "！", "／"))
