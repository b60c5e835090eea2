"""Fixtures for the practices tests: sample library files written into temporary folders.

The sample practices make every test meaningful even while the real library is still being
written; the `variant_case` fixture runs a test over every sample and every real variant.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from practices import LibraryError, Practice, Variant, load_library
from practices.model import LEVEL_TARGET_SECONDS
from practices.timing import estimate_seconds

SCRIPT: list[tuple[str, str | None]] = [
    ("Find a way of sitting that feels steady, {name}.", None),
    ("Let the breath come and go at its own pace.", None),
    ("If you would like to, you could try this: {touch}.", "touch"),
    ("Notice one thing around you that is quietly pleasant.", None),
    ("Once you're ready, let your eyes open and look around quietly.", None),
]


def sample_variant(level: int, cue: bool = True) -> dict[str, Any]:
    """A valid variant at `level`: the sample script, short pauses, and a closing rest."""
    segments: list[dict[str, Any]] = []
    for text, optional in SCRIPT:
        segments.append({"say": text, "optional": optional} if optional else {"say": text})
        segments.append({"pause": 4})
    if cue:
        segments.append({"cue": "bell"})
    target = LEVEL_TARGET_SECONDS[level]
    so_far = estimate_seconds(Variant(level=level, target_seconds=target, segments=segments))
    # The closing rest absorbs the difference, so the estimate lands on the target.
    segments.insert(-1 if cue else len(segments), {"pause": round(target - so_far, 3)})
    return {"level": level, "target_seconds": target, "segments": segments}


def sample_practice(practice_id: str = "sample-pause", **fields: Any) -> dict[str, Any]:
    """A valid practice as TOML-ready data; keyword arguments replace fields."""
    levels = fields.pop("levels", (1, 2))
    # Only entry practices have a level 1 (lukewarm, CLINICAL.md section 4).
    data: dict[str, Any] = {
        "id": practice_id,
        "title": "A quiet pause",
        "summary": "A few calm minutes to settle and look around.",
        "audience": "client",
        "components": ["mindfulness", "touch"],
        "direction": "self_to_self",
        "quality": "calming",
        "kind": "blended",
        "gate": "none",
        "entry": 1 in levels,
        "text_only": False,
        "sources": ["004:707-711"],
        "therapist_notes": "A sample used by the tests; not a real practice.",
    }
    data.update(fields)
    if "variants" not in data:
        data["variants"] = [sample_variant(n, cue=not data["text_only"]) for n in levels]
    return data


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"


def toml_text(data: dict[str, Any]) -> str:
    """Practice data written in the library's TOML layout."""
    lines = [f"{key} = {_value(value)}" for key, value in data.items() if key != "variants"]
    for variant in data.get("variants", []):
        lines += ["", "[[variants]]"]
        for key, value in variant.items():
            if key == "segments" and isinstance(value, list):
                lines += ["segments = [", *(f"  {_value(s)}," for s in value), "]"]
            else:
                lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def write_practice(directory: Path, data: dict[str, Any] | str, name: str | None = None) -> Path:
    """Write practice data (or raw text) to `<name or id>.toml` in `directory`."""
    if isinstance(data, str):
        text, stem = data, name or "raw"
    else:
        text, stem = toml_text(data), name or data["id"]
    path = directory / f"{stem}.toml"
    path.write_text(text, encoding="utf-8")
    return path


SAMPLES = [
    sample_practice("sample-pause", levels=(1, 2, 3)),
    sample_practice(
        "sample-letter",
        levels=(2,),
        quality="validating",
        kind="differentiated",
        gate="stability",
        text_only=True,
        entry=False,
    ),
    sample_practice("sample-fierce", levels=(1,), quality="protection", gate="yang_ready"),
    sample_practice("sample-therapist", levels=(1,), audience="therapist", entry=False),
]
SAMPLE_CASES = [("sample", d["id"], v["level"]) for d in SAMPLES for v in d["variants"]]

try:
    _REAL: list[Practice] = load_library().all()
except LibraryError:
    _REAL = []  # test_real_library_loads reports the problems
REAL_CASES = [("real", p.id, level) for p in _REAL for level in p.levels]


@pytest.fixture(scope="session")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample library (in a temporary folder) and the real one (None if it is broken)."""
    folder = tmp_path_factory.mktemp("sample-library")
    for data in SAMPLES:
        write_practice(folder, data)
    try:
        real = load_library()
    except LibraryError:
        real = None
    return {"sample": load_library(folder), "real": real}


@pytest.fixture(params=SAMPLE_CASES + REAL_CASES, ids=lambda case: ":".join(map(str, case)))
def variant_case(request: pytest.FixtureRequest, libraries: dict[str, Any]) -> tuple[Practice, int]:
    """Each (practice, level) of the sample library and of the real library."""
    source, practice_id, level = request.param
    return libraries[source].get(practice_id), level


@pytest.fixture
def practice_data() -> Callable[..., dict[str, Any]]:
    """Factory for valid practice data (see `sample_practice`)."""
    return sample_practice


@pytest.fixture
def write() -> Callable[..., Path]:
    """Writer of practice data or raw TOML text into a folder (see `write_practice`)."""
    return write_practice
