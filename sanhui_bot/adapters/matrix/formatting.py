"""Pure translations between the bot's replies and Matrix messages: no network, no mautrix types.

Matrix has no buttons, so a reply's buttons become reactions (✅ 📝 ❌ under a notice, 👍 👌 👎 under
a task) where one fits, and `!command` hints otherwise. Element treats a leading `/` as a client
command, so hints use `!`; the shared parser accepts both.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

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
HTML_FORMAT = "org.matrix.custom.html"

# Synapse refuses an event whose PDU, as canonical JSON (UTF-8, sorted keys, no spaces), is over
# 65,536 bytes (MAX_PDU_SIZE, checked in event_auth._check_size_limits). The bot measures the content
# it sends exactly (`event_content_size`); the rest of the PDU is the homeserver's envelope: type,
# room and sender ids (each at most 255 bytes), up to 10 prev_events and the auth_events (47 bytes
# each), depth, timestamp, the sha256 hash and the server's ed25519 signature: under 1,700 bytes.
MAX_PDU_BYTES = 65_536
ENVELOPE_BYTES = 2_048
CONTENT_LIMIT = MAX_PDU_BYTES - ENVELOPE_BYTES
MEGOLM = "m.megolm.v1.aes-sha2"
_CURVE25519_KEY_CHARS = 43  # an unpadded base64 Curve25519 key, and a Megolm session id


@dataclass(frozen=True, slots=True)
class Encryption:
    """An encrypted room as its events' size depends on it: the room id (inside the ciphertext) and
    the sending device's id (beside it)."""

    room_id: str
    device_id: str


def canonical_size(value: object) -> int:
    """Bytes of `value` as Matrix canonical JSON, the form Synapse measures an event in."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode())


def megolm_ciphertext_chars(plaintext_bytes: int) -> int:
    """Characters of the unpadded base64 Megolm message for a plaintext of this many bytes.

    The message is a version byte, the message index (a tagged varint, counted at its largest, 5
    bytes), the AES-256-CBC ciphertext (tagged, its length a varint; PKCS#7 pads to the next 16
    bytes), an 8-byte MAC and a 64-byte Ed25519 signature (libolm's megolm message format).
    """
    ciphertext = (plaintext_bytes // 16 + 1) * 16
    length_varint = (ciphertext.bit_length() + 6) // 7
    raw = 1 + (1 + 5) + (1 + length_varint + ciphertext) + 8 + 64
    return -(-raw * 4 // 3)


def event_content_size(content: Mapping[str, object], encryption: Encryption | None = None) -> int:
    """The exact bytes of a message event's content as Synapse measures it (canonical JSON).

    In an encrypted room the event sent is m.room.encrypted: mautrix encrypts `json.dumps` (ASCII
    escapes, default separators) of {room_id, type, content}, and the encrypted content carries the
    base64 ciphertext, the device, the sender's key, the session and a copy of `m.relates_to`.
    """
    if encryption is None:
        return canonical_size(content)
    plaintext = json.dumps({"room_id": encryption.room_id, "type": "m.room.message", "content": content})
    encrypted: dict[str, object] = {
        "algorithm": MEGOLM,
        "ciphertext": "A" * megolm_ciphertext_chars(len(plaintext.encode())),
        "device_id": encryption.device_id,
        "sender_key": "A" * _CURVE25519_KEY_CHARS,
        "session_id": "A" * _CURVE25519_KEY_CHARS,
    }
    if "m.relates_to" in content:
        encrypted["m.relates_to"] = content["m.relates_to"]
    return canonical_size(encrypted)


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


def notice_content(text: MatrixText) -> dict[str, str]:
    """The content of an m.notice carrying `text`, as mautrix serializes it."""
    return {"msgtype": "m.notice", "body": text.body, "format": HTML_FORMAT, "formatted_body": text.html}


def notice_size(text: MatrixText) -> int:
    """The exact content bytes of a plain notice in an unencrypted room."""
    return event_content_size(notice_content(text))


Measure = Callable[[MatrixText], int]
_Seq = TypeVar("_Seq", str, list[str])


def _longest_prefix(items: _Seq, fits: Callable[[_Seq], bool]) -> int:
    """The largest n with fits(items[:n]) (fits is monotone: true up to some n, then false); 0 if not
    even one item fits. Gallops, then bisects: a piece costs a few measurements of about its size."""
    count = len(items)
    if count == 0 or not fits(items[:1]):
        return 0
    good, step, bad = 1, 1, count + 1
    while good < count:
        probe = min(count, good + step)
        if not fits(items[:probe]):
            bad = probe
            break
        good, step = probe, step * 2
    while bad - good > 1:
        middle = (good + bad) // 2
        if fits(items[:middle]):
            good = middle
        else:
            bad = middle
    return good


def matrix_texts(
    reply: Reply, renderer: Renderer, measure: Measure = notice_size, limit: int = CONTENT_LIMIT
) -> list[MatrixText]:
    """A reply as one or more notices that each fit the homeserver's event size, split between lines.

    `measure` gives the exact bytes of the event content a text would be sent as (the room's
    encryption and a reply relation included). The answer hints (reactions, `!commands`) go with the
    last notice, which is the one that carries the buttons; only a line longer than a whole notice
    is cut inside.
    """
    whole = matrix_text(reply, renderer)
    if measure(whole) <= limit:
        return [whole]
    hints = _hints(reply.buttons, renderer)

    def fits(lines: Sequence[str], with_hints: Sequence[str] = ()) -> bool:
        return measure(_as_matrix_text(lines, with_hints)) <= limit

    # Every part fits even with the hints, so any part can end the post.
    lines = [part for line in reply.text.split("\n") for part in _cut_line(line, lambda p: fits([p], hints))]
    pieces: list[list[str]] = []
    start = 0
    while start < len(lines):
        taken = _longest_prefix(lines[start:], fits)
        pieces.append(lines[start : start + taken])
        start += taken
    last = pieces[-1]
    if not fits(last, hints):  # the hints do not fit beside it: its tail goes on as a notice of its own
        tail = _longest_prefix(last[::-1], lambda reversed_: fits(reversed_[::-1], hints))
        pieces[-1:] = [last[:-tail], last[-tail:]]
    texts = [_as_matrix_text(piece, []) for piece in pieces[:-1]]
    return [*texts, _as_matrix_text(pieces[-1], hints)]


def _cut_line(line: str, fits: Callable[[str], bool]) -> list[str]:
    """A line in pieces that each fit (most lines are one piece)."""
    if fits(line):
        return [line]
    pieces: list[str] = []
    start = 0
    while start < len(line):
        taken = max(1, _longest_prefix(line[start:], fits))
        pieces.append(line[start : start + taken])
        start += taken
    return pieces


def fit_matrix_text(
    text: MatrixText, measure: Measure = notice_size, limit: int = CONTENT_LIMIT
) -> MatrixText:
    """A notice cut to one event (an edit cannot become two), ending in "…" when shortened.

    `measure` is the exact content size of the edit event (which carries the text twice)."""
    if measure(text) <= limit:
        return text
    lines = text.body.split("\n")

    def fits(kept: Sequence[str]) -> bool:
        return measure(_as_matrix_text([*kept, "…"], [])) <= limit

    kept = _longest_prefix(lines, fits)
    if kept:
        return _as_matrix_text([*lines[:kept], "…"], [])
    first = _longest_prefix(lines[0], lambda prefix: fits([prefix]))
    return _as_matrix_text([lines[0][:first], "…"], [])


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
