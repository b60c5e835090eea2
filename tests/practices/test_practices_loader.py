"""Loading the library: the happy path, and a clear `file: field: problem` for every mistake."""

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from practices import LibraryError, UnknownPractice, default_library, load_library
from practices.loader import LIBRARY_DIR

Data = Callable[..., dict[str, Any]]
Write = Callable[..., Path]
PROBLEM = re.compile(r"^[a-z0-9-]+\.toml: [^:]+: \S.*$")


def _problems(folder: Path) -> list[str]:
    with pytest.raises(LibraryError) as exc:
        load_library(folder)
    for problem in exc.value.problems:
        assert PROBLEM.match(problem), problem
    return exc.value.problems


def test_loads_sample_files(tmp_path: Path, practice_data: Data, write: Write) -> None:
    write(tmp_path, practice_data("quiet-pause", levels=(1, 2, 3)))
    path = write(tmp_path, practice_data("a-first", levels=(2,)))
    (tmp_path / "notes.txt").write_text("not a practice")
    library = load_library(tmp_path)
    assert len(library) == 2
    assert "quiet-pause" in library and "missing" not in library
    assert [p.id for p in library.all()] == ["a-first", "quiet-pause"]
    assert [p.id for p in library] == library.ids() == ["a-first", "quiet-pause"]
    practice = library.get("quiet-pause")
    assert practice.levels == [1, 2, 3]
    assert practice.variant(1).segments[0].say == "Find a way of sitting that feels steady, {name}."
    assert library.digest("a-first") == hashlib.sha256(path.read_bytes()).hexdigest()


def test_unknown_practice(tmp_path: Path) -> None:
    library = load_library(tmp_path)
    assert len(library) == 0
    with pytest.raises(UnknownPractice, match="there is no practice called 'grief'"):
        library.get("grief")
    with pytest.raises(UnknownPractice):
        library.digest("grief")


def test_load_library_rereads(tmp_path: Path, practice_data: Data, write: Write) -> None:
    write(tmp_path, practice_data("quiet-pause"))
    first = load_library(tmp_path)
    write(tmp_path, practice_data("quiet-pause", title="A quieter pause"))
    second = load_library(tmp_path)
    assert second.get("quiet-pause").title == "A quieter pause"
    assert first.digest("quiet-pause") != second.digest("quiet-pause")


def test_default_library_is_the_package_folder_and_cached() -> None:
    assert Path(__file__).resolve().parents[2] / "practices" / "library" == LIBRARY_DIR
    assert default_library() is default_library()
    assert default_library().ids() == load_library().ids()


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="there is no such folder"):
        load_library(tmp_path / "nowhere")


def test_the_briefs_example_problem(tmp_path: Path, practice_data: Data, write: Write) -> None:
    data = practice_data("grief-break", levels=(1, 2, 3))
    data["variants"][2]["segments"][4] = {"pause": 0}
    write(tmp_path, data)
    assert _problems(tmp_path) == [
        "grief-break.toml: variants[2].segments[4].pause: must be a number of seconds above 0"
    ]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to practice data at a dotted path like 'variants.0.segments.1.pause'."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = data
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return change


DELETE = object()


def _update(**fields: Any) -> Callable[[dict[str, Any]], None]:
    """Several top-level changes at once; `variants=None` keeps only the first variant."""

    def change(data: dict[str, Any]) -> None:
        if fields.pop("variants", ...) is None:
            data["variants"] = data["variants"][:1]
        if (silence := fields.pop("silence", None)) is not None:
            # A long silence after words that do not say quiet is coming.
            segments = data["variants"][0]["segments"]
            segments[8] = {"say": "Let your eyes open and look around the room now."}
            segments[10] = {"pause": silence}
        data.update(fields)

    return change


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("missing", _set("title", DELETE), "title: is required"),
    ("unknown-field", _set("colour", "blue"), "colour: is not a field of the library format"),
    (
        "bad-audience",
        _set("audience", "everyone"),
        "audience: must be one of 'client', 'therapist', got 'everyone'",
    ),
    ("bad-component", _set("components", ["mindfulness", "hugs"]), "components[1]: must be one"),
    ("repeated-component", _set("components", ["touch", "touch"]), "components: lists touch more"),
    ("bad-direction", _set("direction", "self_to_all"), "direction: must be one of"),
    ("bad-bool", _set("entry", "yes"), "entry: must be true or false"),
    ("id-mismatch", _set("id", "other-name"), "id: must equal the file name 'id-mismatch'"),
    ("bad-id", _set("id", "Bad_Id"), "id: must be lower-case words joined by hyphens"),
    ("no-sources", _set("sources", []), "sources: must not be empty"),
    ("bad-source", _set("sources", ["004:9", "p. 12"]), "sources[1]: must look like"),
    ("braced-title", _set("title", "Hello {name}"), "title: must not contain braces"),
    ("no-variants", _set("variants", []), "variants: is required"),
    ("no-segments", _set("variants.0.segments", []), "variants[0].segments: must not be empty"),
    ("level-six", _set("variants.0.level", 6), "variants[0].level: must be a whole number"),
    ("level-text", _set("variants.0.level", "1"), "variants[0].level: must be a whole number"),
    (
        "duplicate-level",
        _set("variants.1.level", 1),
        "variants[1].level: level 1 is already used by variants[0]",
    ),
    (
        "wrong-target",
        _set("variants.0.target_seconds", 90),
        "variants[0].target_seconds: level 1 variants last 60 seconds, got 90",
    ),
    (
        "two-kinds",
        _set("variants.0.segments.1", {"pause": 4, "say": "Hello."}),
        "variants[0].segments[1]: must have exactly one of say, pause, write or cue "
        "(found: pause, say)",
    ),
    (
        "misspelt-kind",
        _set("variants.0.segments.1", {"sya": "Hello."}),
        "variants[0].segments[1]: must have exactly one of say, pause, write or cue (found: sya)",
    ),
    (
        "text-pause",
        _set("variants.0.segments.1.pause", "4"),
        "variants[0].segments[1].pause: must be a number of seconds above 0",
    ),
    (
        "negative-pause",
        _set("variants.0.segments.1.pause", -2),
        "variants[0].segments[1].pause: must be a number of seconds above 0",
    ),
    (
        "other-placeholder",
        _set("variants.0.segments.0.say", "Welcome, {first_name}."),
        "variants[0].segments[0].say: only {name} and {touch} may appear in braces",
    ),
    (
        "name-not-vocative",
        _set("variants.0.segments.0.say", "Welcome {name} to this."),
        "variants[0].segments[0].say: {name} may only be used as an address after a comma",
    ),
    (
        "touch-not-optional",
        _set("variants.0.segments.4", {"say": "Rest here: {touch}."}),
        "variants[0].segments[4]: say: a segment offering {touch} must be marked optional",
    ),
    (
        "touch-not-after-colon",
        _set("variants.0.segments.4", {"say": "Rest {touch} here.", "optional": "touch"}),
        "variants[0].segments[4].say: {touch} may only follow a colon and end its clause",
    ),
    (
        "touch-mid-clause",
        _set("variants.0.segments.4", {"say": "Try: {touch} now.", "optional": "touch"}),
        "variants[0].segments[4].say: {touch} may only follow a colon and end its clause",
    ),
    (
        "write-in-a-listened-practice",
        _set("variants.0.segments.1", {"write": 4}),
        "variants[0].segments[1].write: writing time belongs to text-only practices",
    ),
    (
        "negative-write",
        _set("variants.0.segments.1", {"write": 0}),
        "variants[0].segments[1].write: must be a number of seconds above 0",
    ),
    (
        "long-silence-unannounced",
        _update(variants=..., silence=31),
        "variants[0].segments[10].pause: a silence of 31 s needs a heads-up",
    ),
    (
        "level-one-not-entry",
        _set("entry", False),
        "variants[0].level: level 1 is lukewarm and plays an entry practice (CLINICAL.md "
        "section 4); level-one-not-entry is not an entry practice, so its lowest level is 2",
    ),
    (
        "entry-other-to-self",
        _set("direction", "other_to_self"),
        "entry: other-to-self imagery is the hardest direction and comes last (R6)",
    ),
    ("entry-and-prelude", _set("prelude", True), "prelude: an entry practice cannot also be a"),
    (
        "entry-for-therapists",
        _set("audience", "therapist"),
        "audience: entry practices and preludes are for clients",
    ),
    (
        "long-prelude",
        _update(entry=False, prelude=True),
        "variants: a prelude has exactly one variant, at level 1",
    ),
    (
        "prelude-with-prelude",
        _update(entry=False, prelude=True, imagery=True, variants=None),
        "imagery: a prelude is played before imagery, not given one of its own",
    ),
    (
        "optional-pause",
        _set("variants.0.segments.1", {"pause": 4, "optional": "touch"}),
        "variants[0].segments[1]: optional: only say segments can be marked optional",
    ),
    (
        "bad-cue",
        _set("variants.0.segments.11.cue", "gong"),
        "variants[0].segments[11].cue: must be one of 'bell', got 'gong'",
    ),
    (
        "differentiated-ungated",
        _set("kind", "differentiated"),
        'gate: a differentiated practice needs "stability", got "none"',
    ),
    (
        "yang-ungated",
        _set("quality", "providing"),
        'gate: a "providing" (yang) practice needs "yang_ready", got "none"',
    ),
    (
        "text-only-bell",
        _set("text_only", True),
        "variants[0].segments[11].cue: a text-only practice is read, so it has no cues",
    ),
    (
        "too-long",
        _set("variants.0.segments.10.pause", 40),
        "variants[0]: estimated 88 s at 140 words a minute, but target_seconds is 60 "
        "(allowed 51-69 s): shorten the script or its pauses",
    ),
    (
        "too-short",
        _set("variants.0.segments.10.pause", 1),
        "variants[0]: estimated 49 s at 140 words a minute",
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_names_file_field_and_problem(
    tmp_path: Path,
    practice_data: Data,
    write: Write,
    name: str,
    change: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    data = practice_data(name)
    assert data["variants"][0]["segments"][10] == {"pause": 12.143}  # the sample layout
    change(data)
    write(tmp_path, data, name=name)
    problems = _problems(tmp_path)
    assert any(p.startswith(f"{name}.toml: {expected}") for p in problems), problems


def test_toml_syntax_error_names_the_line(tmp_path: Path, write: Write) -> None:
    write(tmp_path, 'id = "broken"\ntitle = "Unclosed\n', name="broken")
    problems = _problems(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("broken.toml: line 2, column ")
    assert "invalid TOML" in problems[0]


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin.toml").write_bytes('id = "latin"\ntitle = "caf\xe9"\n'.encode("latin-1"))
    assert _problems(tmp_path) == ["latin.toml: line 2: is not UTF-8 text; save the file as UTF-8"]


def test_all_problems_are_collected(tmp_path: Path, practice_data: Data, write: Write) -> None:
    write(tmp_path, practice_data("fine"))
    many = practice_data("many", kind="differentiated")
    del many["summary"]
    many["audience"] = "anyone"
    many["variants"][1]["segments"][3]["pause"] = 0
    write(tmp_path, many)
    write(tmp_path, "this is = not toml = at all", name="junk")
    with pytest.raises(LibraryError) as exc:
        load_library(tmp_path)
    problems = exc.value.problems
    assert problems[0].startswith("junk.toml: line 1, column ")
    assert problems[1:] == [
        "many.toml: summary: is required",
        "many.toml: audience: must be one of 'client', 'therapist', got 'anyone'",
        "many.toml: variants[1].segments[3].pause: must be a number of seconds above 0",
    ]
    text = str(exc.value)
    assert text.startswith("4 problems in the practice library:")
    assert all(f"- {p}" in text for p in problems)


def test_rule_problems_are_collected_together(
    tmp_path: Path, practice_data: Data, write: Write
) -> None:
    data = practice_data("rules", kind="differentiated", text_only=True, id="wrong")
    data["variants"][1]["level"] = 1
    for variant in data["variants"]:
        variant["segments"].append({"cue": "bell"})
    write(tmp_path, data, name="rules")
    assert _problems(tmp_path) == [
        "rules.toml: id: must equal the file name 'rules', got 'wrong'",
        "rules.toml: variants[0].segments[11].cue: a text-only practice is read, so it has no cues",
        "rules.toml: variants[1].level: level 1 is already used by variants[0]",
        "rules.toml: variants[1].target_seconds: level 1 variants last 60 seconds, got 180",
        "rules.toml: variants[1].segments[11].cue: a text-only practice is read, so it has no cues",
        'rules.toml: gate: a differentiated practice needs "stability", got "none"',
    ]


def test_a_heads_up_before_a_long_silence_is_enough(
    tmp_path: Path, practice_data: Data, write: Write
) -> None:
    data = practice_data("announced", levels=(2,))
    segments = data["variants"][0]["segments"]
    segments[8] = {"say": "I'll be quiet for a while now, and speak again after."}
    segments[9] = {"pause": 60}
    write(tmp_path, data)
    problems = [p for p in _problems(tmp_path) if "heads-up" in p or "say" in p]
    assert problems == []


def test_writing_time_is_for_text_only_practices(
    tmp_path: Path, practice_data: Data, write: Write
) -> None:
    data = practice_data("letter", levels=(2,), text_only=True)
    segments = data["variants"][0]["segments"]
    index = max(i for i, s in enumerate(segments) if "pause" in s)
    segments[index] = {"write": segments[index]["pause"]}
    write(tmp_path, data)
    practice = load_library(tmp_path).get("letter")
    assert practice.variant(2).segments[index].kind == "write"
