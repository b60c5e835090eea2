"""Markdown: a heading, the summary in italics, and one paragraph per step."""

import re

from practices.model import Practice
from practices.render.timeline import Timeline
from practices.render.words import BELL, OPTIONAL_LABEL, pause_words, sentence, write_words

# Characters that could turn a client's name (or a script) into markup.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])", re.MULTILINE)


def escape(text: str) -> str:
    """Backslash-escape text so Markdown shows it literally."""
    return _LINE_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", text))


def render(practice: Practice, timeline: Timeline) -> str:
    """The practice as Markdown."""
    blocks = [f"# {escape(practice.title)}", f"*{escape(practice.summary)}*"]
    for item in timeline.items:
        if item.kind == "speech":
            label = f"**{OPTIONAL_LABEL.capitalize()}:** " if item.optional else ""
            blocks.append(label + escape(item.text or ""))
        elif item.kind == "pause":
            blocks.append(f"*{sentence(pause_words(item.duration))}*")
        elif item.kind == "write":
            blocks.append(f"*{sentence(write_words(item.duration))}*")
        else:
            blocks.append(f"*{sentence(BELL)}*")
    return "\n\n".join(blocks) + "\n"
