"""Renderers: every format for every variant (sample and real), and what each must guarantee."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from practices import (
    FORMATS,
    LevelNotOffered,
    Personalisation,
    Practice,
    UnknownFormat,
    build_timeline,
    estimate_seconds,
    load_library,
    render,
)
from practices.render import MEDIA_TYPES
from practices.render.ssml import break_times

SSML_NS = "{http://www.w3.org/2001/10/synthesis}"
HOSTILE = Personalisation(name='<script>alert("x")</script> & Jo', touch="<b>a mug</b>")
PEOPLE = [None, Personalisation(name="Sam", touch="a soft blanket"), HOSTILE]


def _seconds(time: str) -> float:
    return int(time[:-2]) / 1000 if time.endswith("ms") else float(time[:-1])


def test_formats_and_media_types() -> None:
    assert FORMATS == ("text", "md", "html", "ssml", "timeline")
    assert MEDIA_TYPES == {
        "text": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
        "html": "text/html; charset=utf-8",
        "ssml": "application/ssml+xml",
        "timeline": "application/json",
    }


def test_unknown_format_and_level(libraries: dict[str, Any]) -> None:
    practice = libraries["sample"].get("sample-pause")
    with pytest.raises(UnknownFormat) as exc:
        render(practice, 1, "pdf")
    assert str(exc.value) == "unknown format 'pdf'; formats: text, md, html, ssml, timeline"
    with pytest.raises(LevelNotOffered, match="offered levels: 1, 2, 3"):
        render(practice, 5, "text")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("person", PEOPLE, ids=["nobody", "sam", "hostile"])
def test_every_format_renders(
    variant_case: tuple[Practice, int], fmt: str, person: Personalisation | None
) -> None:
    practice, level = variant_case
    out = render(practice, level, fmt, person)
    assert out.strip()
    if fmt != "timeline":  # JSON has braces of its own
        assert "{" not in out and "}" not in out
    if fmt in ("text", "md", "html"):
        assert practice.title.split()[0] in out


def test_ssml_parses_and_breaks_add_up(variant_case: tuple[Practice, int]) -> None:
    practice, level = variant_case
    root = ET.fromstring(render(practice, level, "ssml", HOSTILE))
    assert root.tag == f"{SSML_NS}speak" and root.get("version") == "1.1"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    variant = practice.variant(level)
    # Walk the SSML and the segments together: each pause is its run of breaks.
    children = list(root)
    position = 0
    for segment in variant.segments:
        if segment.kind == "say":
            assert children[position].tag == f"{SSML_NS}p"
            position += 1
        elif segment.kind == "cue":
            assert children[position].tag == f"{SSML_NS}mark"
            assert children[position].get("name") == "bell"
            assert _seconds(children[position + 1].get("time", "")) == 3.0
            position += 2
        else:
            silence = segment.pause if segment.pause is not None else segment.write
            total = 0.0
            while total < silence - 0.0005:
                assert children[position].tag == f"{SSML_NS}break"
                time = _seconds(children[position].get("time", ""))
                assert 0 < time <= 10
                total += time
                position += 1
            assert total == pytest.approx(silence, abs=1e-3)
    assert position == len(children)


def test_break_times() -> None:
    assert break_times(4) == ["4s"]
    assert break_times(10) == ["10s"]
    assert break_times(25) == ["10s", "10s", "5s"]
    assert break_times(12.5) == ["10s", "2500ms"]
    assert break_times(0.0004) == []


def test_html_is_well_formed_accessible_and_escaped(variant_case: tuple[Practice, int]) -> None:
    practice, level = variant_case
    out = render(practice, level, "html", HOSTILE)
    root = ET.fromstring(out)
    assert root.tag == "article" and root.get("class") == "practice" and root.get("lang") == "en"
    heading = root.find("h2")
    assert heading is not None and heading.get("id") == root.get("aria-labelledby")
    assert heading.text == practice.title
    assert "<script>" not in out and "<b>" not in out
    variant = practice.variant(level)
    pauses = root.findall("p[@class='pause']")
    assert len(pauses) == sum(s.kind == "pause" for s in variant.segments)
    assert all(p.get("role") == "note" and (p.text or "").strip() for p in pauses)
    offers = root.findall("p[@class='optional']")
    assert len(offers) == sum(s.optional == "touch" for s in variant.segments)
    if any("{name}" in (s.say or "") for s in variant.segments):
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Jo" in out
        assert any('<script>alert("x")</script> & Jo' in "".join(p.itertext()) for p in root)


def test_timeline_is_cumulative_and_totals_the_estimate(
    variant_case: tuple[Practice, int],
) -> None:
    practice, level = variant_case
    timeline = build_timeline(practice, level)
    variant = practice.variant(level)
    assert [item.index for item in timeline.items] == list(range(len(variant.segments)))
    start = 0.0
    for item, segment in zip(timeline.items, variant.segments, strict=True):
        assert item.start == pytest.approx(start, abs=1e-9)
        assert item.start == round(item.start, 3) and item.duration == round(item.duration, 3)
        kinds = {"say": "speech", "pause": "pause", "write": "write", "cue": "cue"}
        assert item.kind == kinds[segment.kind]
        assert (item.text is not None) == (segment.kind == "say")
        assert item.optional == (segment.optional == "touch")
        start = round(start + item.duration, 3)
    assert timeline.total_seconds == pytest.approx(start, abs=1e-9)
    tolerance = 0.0005 * len(timeline.items)
    assert timeline.total_seconds == pytest.approx(estimate_seconds(variant), abs=tolerance)
    as_json = json.loads(render(practice, level, "timeline"))
    assert as_json == timeline.model_dump(mode="json")
    assert set(as_json) == {"practice_id", "level", "wpm", "total_seconds", "items"}


def test_timeline_uses_the_person_and_rate(libraries: dict[str, Any]) -> None:
    practice = libraries["sample"].get("sample-pause")
    plain = build_timeline(practice, 1)
    sam = build_timeline(practice, 1, Personalisation(name="Sam"), wpm=70)
    assert plain.items[0].text == "Find a way of sitting that feels steady."
    assert sam.items[0].text == "Find a way of sitting that feels steady, Sam."
    assert sam.wpm == 70 and sam.items[0].duration == pytest.approx(9 * 60 / 70, abs=1e-3)
    assert plain.practice_id == "sample-pause" and plain.level == 1


def test_text_and_markdown_layout(libraries: dict[str, Any]) -> None:
    practice = libraries["sample"].get("sample-pause")
    text = render(practice, 3, "text", Personalisation(name="Sam"))
    paragraphs = text.strip().split("\n\n")
    assert paragraphs[0] == "A quiet pause"
    assert paragraphs[1] == "Find a way of sitting that feels steady, Sam."
    assert paragraphs[2] == "(pause for a breath)"
    assert "(optional) If you would like to, you could try this: a hand on your chest" in text
    assert "(a soft bell)" in text
    assert "(take a long, quiet rest here, for as long as feels right)" in text
    md = render(practice, 1, "md", Personalisation(name="*Sam*_"))
    blocks = md.strip().split("\n\n")
    assert blocks[0] == "# A quiet pause"
    assert blocks[1] == "*A few calm minutes to settle and look around.*"
    assert blocks[2] == r"Find a way of sitting that feels steady, \*Sam\*\_."
    assert blocks[3] == "*Pause for a breath.*"
    assert "**Optional:** If you would like to, you could try this:" in md
    assert blocks[-1] == "*A soft bell.*"


def test_text_only_practice_has_no_bell(libraries: dict[str, Any]) -> None:
    practice = libraries["sample"].get("sample-letter")
    for fmt in ("text", "md", "html"):
        assert "soft bell" not in render(practice, 2, fmt).lower()


def test_writing_time_reads_as_writing_time_in_every_text_format(
    tmp_path: Path, practice_data: Any, write: Any
) -> None:
    data = practice_data("letter", levels=(2,), text_only=True)
    segments = data["variants"][0]["segments"]
    segments[-1] = {"write": segments[-1]["pause"]}
    write(tmp_path, data)
    practice = load_library(tmp_path).get("letter")
    minutes = max(1, round(segments[-1]["write"] / 60))
    expected = f"time to write, about {minutes} minute"
    assert f"({expected}" in render(practice, 2, "text")
    assert f"*T{expected[1:]}" in render(practice, 2, "md")
    assert f'<p class="write" role="note">T{expected[1:]}' in render(practice, 2, "html")
    for fmt in ("text", "md", "html"):
        assert "quiet rest" not in render(practice, 2, fmt).split("\n")[-2]
    items = json.loads(render(practice, 2, "timeline"))["items"]
    assert items[-1]["kind"] == "write" and items[-1]["duration"] == segments[-1]["write"]
