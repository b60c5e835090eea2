"""The words of every email: client prompts and reminders, and therapists' alerts.

Client texts follow CLINICAL.md section 2: they invite, say skipping is fine, never name the
goal, never shame or press, never promise relief. Each email is written once as a list of
blocks and rendered to plain text and to HTML from the same blocks, so the two always agree.
"""

import html
import re
from urllib.parse import urlsplit

from scheduler.channels.base import Message

# Block kinds: ("p", text) a paragraph, ("button", label, url) the one main link,
# ("small", text, link_label, url) a quiet footer line with an optional link.
Block = tuple[str, ...]

_SPACE = re.compile(r"\s+")


def _one_line(text: str) -> str:
    # Subjects and greetings must never carry a line break (header injection, broken layout).
    return _SPACE.sub(" ", text).strip()


def web_link(url: str) -> str:
    """`url` when it is an http(s) link with a host, else "" (so it is never rendered)."""
    # Only web links are ever rendered as links; anything else (javascript:, data:) is dropped.
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else ""


def _greeting(name: str) -> str:
    name = _one_line(name)
    return f"Hi {name}," if name else "Hi,"


def _length(minutes: int) -> str:
    return f"{minutes}-minute" if minutes >= 1 else "short"


def _about(minutes: int) -> str:
    if minutes < 1:
        return "just a moment or two"
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


def _settings_line(message: Message) -> Block:
    return (
        "small",
        "You can turn these emails off at any time in your hearth settings.",
        "Open settings",
        message.settings_url,
    )


def _prompt_blocks(message: Message) -> list[Block]:
    title = _one_line(message.practice_title)
    when = _one_line(message.local_time_text)
    until = _one_line(message.expires_local_text)
    ready = f"Your {_length(message.minutes)} practice"
    ready += f" for {when}" if when else ""
    ready += f" is ready: {title}."
    if until:
        ready += f" It will be here until {until}, if you would like it."
    return [
        ("p", _greeting(message.recipient_name)),
        ("p", ready),
        ("button", "Open your practice", message.open_url),
        (
            "p",
            "Come to it as you are. If now is not a good time, it is fine to skip it; "
            "there is nothing to catch up on.",
        ),
        _settings_line(message),
    ]


def _reminder_blocks(message: Message) -> list[Block]:
    title = _one_line(message.practice_title)
    until = _one_line(message.expires_local_text)
    still = f"until {until}" if until else "for a little while"
    return [
        ("p", _greeting(message.recipient_name)),
        (
            "p",
            f"If now is a good moment, your practice is still here {still}: "
            f"{title} ({_about(message.minutes)}).",
        ),
        ("button", "Open your practice", message.open_url),
        (
            "p",
            "If not, that is completely fine. This is the only reminder for this one, "
            "and the next practice will come as planned.",
        ),
        _settings_line(message),
    ]


def _alert_blocks(message: Message) -> list[Block]:
    # Therapist-facing: only the summary care wrote (alert_text); ratings and notes stay in
    # the dashboard, behind sign-in, never in an inbox.
    # No name either: an inbox is read on shared screens and lock screens, and a name beside
    # "crisis" is clinical detail. The dashboard says who it is, behind sign-in.
    blocks: list[Block] = [("p", _greeting(message.recipient_name))]
    if message.severity == "urgent":
        blocks.append(("p", "This is an urgent alert about one of your clients."))
    blocks += [
        ("p", message.alert_text.strip()),
        ("button", "Open the dashboard", message.open_url),
    ]
    if message.severity == "urgent":
        blocks.append(("p", "Please follow your usual safety procedures."))
    blocks.append(
        (
            "small",
            "You receive this because you are a therapist in hearth. Who it is about and the "
            "details stay in the dashboard; this email carries only the summary above.",
            "",
            "",
        )
    )
    return blocks


def _plain(blocks: list[Block]) -> str:
    out = []
    for block in blocks:
        if block[0] == "p":
            out.append(block[1])
        elif block[0] == "button":
            href = web_link(block[2])
            out.append(f"{block[1]}:\n{href}" if href else block[1])
        else:
            href = web_link(block[3])
            out.append(f"{block[1]}\n{block[2]}: {href}" if href else block[1])
    return "\n\n".join(out) + "\n"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background:#faf7f2;">
<main style="max-width:36em;margin:0 auto;padding:24px;font-family:Georgia,serif;\
font-size:18px;line-height:1.6;color:#2b2b2b;">
<h1 style="font-size:22px;font-weight:normal;margin:0 0 16px;">{title}</h1>
{body}
</main>
</body>
</html>
"""
# Colours keep at least 7:1 contrast; no images at all, so nothing loads and nothing tracks.
_BUTTON = (
    "display:inline-block;padding:12px 20px;background:#2f5d50;color:#ffffff;"
    "text-decoration:none;border-radius:6px;"
)
_SMALL = "font-size:15px;color:#4a4a4a;"


def _html(subject: str, blocks: list[Block]) -> str:
    esc = html.escape
    parts = []
    for block in blocks:
        if block[0] == "p":
            parts.append(f"<p>{esc(block[1])}</p>")
        elif block[0] == "button":
            href = web_link(block[2])
            label = esc(block[1])
            link = f'<a href="{esc(href)}" style="{_BUTTON}">{label}</a>' if href else label
            parts.append(f"<p>{link}</p>")
        else:
            href = web_link(block[3])
            link = f' <a href="{esc(href)}">{esc(block[2])}</a>' if href else ""
            parts.append(f'<p style="{_SMALL}">{esc(block[1])}{link}</p>')
    return _PAGE.format(title=esc(subject), body="\n".join(parts))


def prompt_subject(message: Message) -> str:
    """The prompt's subject line: an invitation naming the practice and its length."""
    title = _one_line(message.practice_title)
    return f"Your {_length(message.minutes)} practice is ready: {title}"


def prompt_plain(message: Message) -> str:
    """The prompt email as plain text."""
    return _plain(_prompt_blocks(message))


def prompt_html(message: Message) -> str:
    """The prompt email as escaped, image-free HTML."""
    return _html(prompt_subject(message), _prompt_blocks(message))


def reminder_subject(message: Message) -> str:
    """The single gentle reminder's subject line."""
    return f"Still here if now suits you: {_one_line(message.practice_title)}"


def reminder_plain(message: Message) -> str:
    """The reminder email as plain text."""
    return _plain(_reminder_blocks(message))


def reminder_html(message: Message) -> str:
    """The reminder email as escaped, image-free HTML."""
    return _html(reminder_subject(message), _reminder_blocks(message))


def alert_subject(message: Message) -> str:
    """The therapist alert's subject: says "Urgent" for urgent alerts; never a name or a
    rating."""
    if message.severity == "urgent":
        return "Urgent: a crisis alert in hearth"
    return "A hearth update for you"


def alert_plain(message: Message) -> str:
    """The therapist alert email as plain text."""
    return _plain(_alert_blocks(message))


def alert_html(message: Message) -> str:
    """The therapist alert email as escaped, image-free HTML."""
    return _html(alert_subject(message), _alert_blocks(message))


NOTICE_SUBJECT = "Sign-in to your hearth account was paused"


def _notice_blocks(message: Message) -> list[Block]:
    # An account notice: what happened, that nothing is needed if it was them, and what to do
    # if it was not. No clinical content, nothing that depends on the person's role.
    return [
        ("p", _greeting(message.recipient_name)),
        ("p", message.alert_text.strip()),
        ("button", message.button or "Go to the sign-in page", message.open_url),
        (
            "small",
            "You receive this because this email address belongs to an account in hearth.",
            "",
            "",
        ),
    ]


def render(message: Message) -> tuple[str, str, str]:
    """(subject, plain, html) for any message kind."""
    if message.kind == "notice":
        blocks = _notice_blocks(message)
        subject = message.subject or NOTICE_SUBJECT
        return subject, _plain(blocks), _html(subject, blocks)
    if message.kind == "alert":
        return alert_subject(message), alert_plain(message), alert_html(message)
    if message.kind == "reminder":
        return reminder_subject(message), reminder_plain(message), reminder_html(message)
    return prompt_subject(message), prompt_plain(message), prompt_html(message)
