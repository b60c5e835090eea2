"""Reading and validating the practice library, reporting every problem in every file at once."""

import functools
import hashlib
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from practices.errors import LibraryError, UnknownPractice
from practices.model import LEVEL_TARGET_SECONDS, Practice, Variant
from practices.timing import timing_problem

LIBRARY_DIR = Path(__file__).resolve().parent / "library"

# A long silence with no word first can feel like the recording stopped, or like being left
# alone with something hard; so the line before it says quiet is coming.
LONG_SILENCE_SECONDS = 30
HEADS_UP = re.compile(r"\b(quiet|quietly|silence|silent)\b|\bwithout words\b", re.I)

_TOML_POSITION = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")

# Pydantic's built-in wording, said the way a practice author would understand it.
_PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a field of the library format (see practices/README.md)",
    "string_type": "must be text in quotes",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "list_type": "must be a list in [ ]",
    "model_type": "must be a table",
    "dict_type": "must be a table",
    "too_short": "must not be empty",
}


class Library:
    """The validated practices of one library folder, by id, with each file's digest."""

    def __init__(self, practices: dict[str, Practice], digests: dict[str, str], directory: Path):
        self._practices = dict(sorted(practices.items()))
        self._digests = digests
        self.directory = directory

    def get(self, practice_id: str) -> Practice:
        """The practice with this id; raises UnknownPractice when there is none."""
        try:
            return self._practices[practice_id]
        except KeyError:
            raise UnknownPractice(practice_id) from None

    def all(self) -> list[Practice]:
        """Every practice, ordered by id."""
        return list(self._practices.values())

    def ids(self) -> list[str]:
        """Every practice id, in order."""
        return list(self._practices)

    def digest(self, practice_id: str) -> str:
        """SHA-256 (hex) of the practice's file bytes, for cache keys and ETags."""
        if practice_id not in self._digests:
            raise UnknownPractice(practice_id)
        return self._digests[practice_id]

    def __contains__(self, practice_id: object) -> bool:
        return practice_id in self._practices

    def __len__(self) -> int:
        return len(self._practices)

    def __iter__(self) -> Iterator[Practice]:
        return iter(self._practices.values())

    def __repr__(self) -> str:
        return f"<Library {self.directory} with {len(self)} practices>"


def load_library(directory: Path | None = None) -> Library:
    """Read and validate every practice file in `directory` (default: the package's library)."""
    directory = Path(directory) if directory is not None else LIBRARY_DIR
    if not directory.is_dir():
        raise LibraryError([f"{directory}: (folder): there is no such folder"])
    practices: dict[str, Practice] = {}
    digests: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        data = path.read_bytes()
        practice, found = parse_practice(data, path.stem)
        problems.extend(f"{path.name}: {problem}" for problem in found)
        if practice is not None:
            practices[practice.id] = practice
            digests[practice.id] = hashlib.sha256(data).hexdigest()
    if problems:
        raise LibraryError(problems)
    return Library(practices, digests, directory)


@functools.cache
def default_library() -> Library:
    """The package's own library, loaded once per process."""
    return load_library()


def parse_practice(data: bytes, expected_id: str) -> tuple[Practice | None, list[str]]:
    """Parse one practice file's bytes; returns the practice (or None) and `field: what` lines."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [f"line {line}: is not UTF-8 text; save the file as UTF-8"]
    except tomllib.TOMLDecodeError as exc:
        return None, [_toml_problem(str(exc))]
    problems = []
    if isinstance(raw.get("id"), str) and raw["id"] != expected_id:
        problems.append(f"id: must equal the file name {expected_id!r}, got {raw['id']!r}")
    try:
        practice = Practice.model_validate(raw)
    except ValidationError as exc:
        problems.extend(f"{_field(e['loc'])}: {_message(e)}" for e in exc.errors())
        return None, problems
    problems.extend(rule_problems(practice))
    return (None if problems else practice), problems


def rule_problems(practice: Practice) -> list[str]:
    """Problems that span several fields: levels, targets, timing, silences, gates and roles."""
    problems = []
    first_at: dict[int, int] = {}
    for i, variant in enumerate(practice.variants):
        where = f"variants[{i}]"
        if variant.level in first_at:
            problems.append(
                f"{where}.level: level {variant.level} is already used by "
                f"variants[{first_at[variant.level]}]"
            )
        first_at.setdefault(variant.level, i)
        target = LEVEL_TARGET_SECONDS[variant.level]
        if variant.target_seconds != target:
            problems.append(
                f"{where}.target_seconds: level {variant.level} variants last {target} seconds, "
                f"got {variant.target_seconds}"
            )
        elif message := timing_problem(variant):
            problems.append(f"{where}: {message}")
        problems.extend(f"{where}.{found}" for found in _segment_problems(practice, variant))
    return problems + _gate_problems(practice) + _role_problems(practice)


def _segment_problems(practice: Practice, variant: Variant) -> list[str]:
    problems = []
    for j, segment in enumerate(variant.segments):
        if practice.text_only and segment.kind == "cue":
            problems.append(f"segments[{j}].cue: a text-only practice is read, so it has no cues")
        if not practice.text_only and segment.kind == "write":
            problems.append(
                f"segments[{j}].write: writing time belongs to text-only practices; "
                "use a pause in a practice that is listened to"
            )
        if segment.kind == "pause" and segment.pause > LONG_SILENCE_SECONDS:
            said = [s.say for s in variant.segments[:j] if s.say is not None]
            if not (said and HEADS_UP.search(said[-1])):
                problems.append(
                    f"segments[{j}].pause: a silence of {segment.pause:g} s needs a heads-up: "
                    "the last words before it tell the client quiet is coming (with "
                    "'quiet', 'silence', 'silent' or 'without words'), so the quiet is not "
                    "mistaken for the end"
                )
    return problems


def _gate_problems(practice: Practice) -> list[str]:
    problems = []
    if practice.kind == "differentiated" and practice.gate != "stability":
        problems.append(f'gate: a differentiated practice needs "stability", got "{practice.gate}"')
    if practice.is_yang and practice.gate != "yang_ready":
        problems.append(
            f'gate: a "{practice.quality}" (yang) practice needs "yang_ready", '
            f'got "{practice.gate}"'
        )
    return problems


def _role_problems(practice: Practice) -> list[str]:
    """Level 1 is lukewarm, entry practices only (CLINICAL.md section 4); a prelude is one short
    variant played before imagery; other-to-self comes last, so it is never an entry (R6)."""
    problems = []
    if practice.entry and practice.prelude:
        problems.append("prelude: an entry practice cannot also be a prelude")
    if (practice.entry or practice.prelude) and practice.audience != "client":
        problems.append("audience: entry practices and preludes are for clients")
    if practice.entry and 1 not in practice.levels:
        problems.append("variants: an entry practice needs a level 1 variant (lukewarm)")
    if practice.entry and practice.direction == "other_to_self":
        problems.append(
            "entry: other-to-self imagery is the hardest direction and comes last (R6), so it "
            "cannot be an entry practice"
        )
    if practice.prelude and practice.levels != [1]:
        problems.append("variants: a prelude has exactly one variant, at level 1 (about a minute)")
    if practice.prelude and practice.imagery:
        problems.append("imagery: a prelude is played before imagery, not given one of its own")
    if practice.audience == "client" and not (practice.entry or practice.prelude):
        problems.extend(
            f"variants[{i}].level: level 1 is lukewarm and plays an entry practice (CLINICAL.md "
            f"section 4); {practice.id} is not an entry practice, so its lowest level is 2"
            for i, variant in enumerate(practice.variants)
            if variant.level == 1
        )
    return problems


def _toml_problem(message: str) -> str:
    match = _TOML_POSITION.search(message)
    where = match.group(1) if match else "(file)"
    what = _TOML_POSITION.sub("", message)
    return f"{where}: invalid TOML: {what}"


def _field(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(file)"


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "hearth":
        return error["msg"]
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace(" or ", ", ")
        return f"must be one of {expected}, got {error['input']!r}"
    return _PLAIN.get(kind, error["msg"][:1].lower() + error["msg"][1:])
