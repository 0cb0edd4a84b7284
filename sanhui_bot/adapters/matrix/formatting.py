"""Pure translations between the bot's replies and Matrix messages: no network, no mautrix types.

Matrix has no buttons, so a reply's buttons become reactions (✅ 📝 ❌ under a notice, 👍 👌 👎 under
a task) where one fits, and `!command` hints otherwise. Element treats a leading `/` as a client
command, so hints use `!`; the shared parser accepts both.
"""

from __future__ import annotations

import html
import json
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

# Synapse refuses an event over 65,536 bytes of JSON (signatures, ids and, when encrypted, the
# base64 of the encrypted JSON included). A content of at most this many bytes as ASCII-escaped JSON
# (the largest form: a CJK character is six bytes, `\uXXXX`) stays within it even after encryption
# (×4/3) with room for the envelope.
CONTENT_LIMIT = 40_000
# An edit carries its text twice (the fallback body and `m.new_content`).
EDIT_LIMIT = CONTENT_LIMIT // 2


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
    return _as_matrix_text(reply.text.split("\n"), _hints(reply.buttons, renderer))


def _as_matrix_text(lines: Sequence[str], hints: Sequence[str]) -> MatrixText:
    body = "\n".join([*lines, *hints])
    html_lines = [html.escape(line) for line in lines]
    if hints:
        html_lines.append("<i>" + "<br>".join(html.escape(hint) for hint in hints) + "</i>")
    return MatrixText(body=body, html="<br>".join(html_lines))


def content_size(text: MatrixText) -> int:
    """The bytes a notice's text takes in an event, as ASCII-escaped JSON (the largest form)."""
    return len(json.dumps({"body": text.body, "formatted_body": text.html}))


def _line_size(line: str) -> int:
    # A line's share of the content: once in the body, once escaped in the HTML, plus "<br>" and "\n".
    return len(json.dumps(line)) + len(json.dumps(html.escape(line))) + 4


def matrix_texts(reply: Reply, renderer: Renderer, limit: int = CONTENT_LIMIT) -> list[MatrixText]:
    """A reply as one or more notices that each fit the homeserver's event size, split between lines.

    The answer hints (reactions, `!commands`) go with the last notice, which is the one that carries
    the buttons; only a single line longer than a whole notice is cut inside.
    """
    whole = matrix_text(reply, renderer)
    if content_size(whole) <= limit:
        return [whole]
    hints = _hints(reply.buttons, renderer)
    budget = limit - content_size(_as_matrix_text([""], hints)) - 64
    pieces: list[list[str]] = [[]]
    used = 0
    for line in reply.text.split("\n"):
        for part in _cut_line(line, budget):
            size = _line_size(part)
            if pieces[-1] and used + size > budget:
                pieces.append([])
                used = 0
            pieces[-1].append(part)
            used += size
    texts = [_as_matrix_text(lines, []) for lines in pieces[:-1]]
    return [*texts, _as_matrix_text(pieces[-1], hints)]


def _cut_line(line: str, budget: int) -> list[str]:
    """A line in pieces each within `budget` (most lines are one piece)."""
    if _line_size(line) <= budget:
        return [line]
    pieces: list[str] = []
    start, used = 0, 8  # the quotes of both strings and the line's separators
    for position, char in enumerate(line):
        size = len(json.dumps(char)) + len(json.dumps(html.escape(char))) - 4
        if used + size > budget and position > start:
            pieces.append(line[start:position])
            start, used = position, 8
        used += size
    pieces.append(line[start:])
    return pieces


def fit_matrix_text(text: MatrixText, limit: int = EDIT_LIMIT) -> MatrixText:
    """A notice cut to one event (an edit cannot become two), ending in "…" when shortened."""
    if content_size(text) <= limit:
        return text
    lines = text.body.split("\n")
    kept: list[str] = []
    for line in lines:
        candidate = _as_matrix_text([*kept, line, "…"], [])
        if content_size(candidate) > limit:
            break
        kept.append(line)
    if not kept:
        return _as_matrix_text([_cut_line(lines[0], limit // 2 - 64)[0], "…"], [])
    return _as_matrix_text([*kept, "…"], [])


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
