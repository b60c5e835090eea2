"""`hearth practices list|show|render`: the library from the command line."""

import json
import shutil
import sys

import click
from flask.cli import with_appcontext

from care.vocab import LOWEST_LEVEL, TOP_LEVEL
from practices import FORMATS, LevelNotOffered, Personalisation, UnknownPractice, render
from practices.timing import estimate_seconds
from service.library import library

AUDIO_FORMATS = ("wav", "mp3", "ogg", "vtt")
ALL_FORMATS = (*FORMATS, *AUDIO_FORMATS)


@click.group("practices", help="The practice library.")
def practices_group():
    """The practice library."""


@practices_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@with_appcontext
def list_command(as_json: bool):
    """List every practice with its audience, quality and offered levels."""
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "audience": p.audience,
            "quality": p.quality,
            "direction": p.direction,
            "gate": p.gate,
            "levels": p.levels,
        }
        for p in library().all()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        levels = ",".join(str(n) for n in row["levels"])
        click.echo(
            f"{row['id']:<28} {row['audience']:<9} {row['quality']:<13} "
            f"levels {levels:<10} {row['title']}"
        )
    click.echo(f"{len(rows)} practices")


@practices_group.command("show")
@click.argument("practice_id")
@with_appcontext
def show_command(practice_id: str):
    """Show a practice's metadata, therapist notes and variants."""
    practice = _get(practice_id)
    click.echo(f"{practice.title}  ({practice.id})")
    click.echo(practice.summary)
    click.echo(
        f"audience {practice.audience}; quality {practice.quality}; direction "
        f"{practice.direction}; kind {practice.kind}; gate {practice.gate}"
    )
    click.echo(f"components: {', '.join(practice.components)}")
    click.echo(f"sources: {', '.join(practice.sources)}")
    for variant in sorted(practice.variants, key=lambda v: v.level):
        click.echo(
            f"  level {variant.level}: target {variant.target_seconds} s, estimated "
            f"{estimate_seconds(variant):.0f} s, {len(variant.segments)} segments"
        )
    click.echo("\nNotes for the therapist:\n" + practice.therapist_notes)


@practices_group.command("render")
@click.argument("practice_id")
@click.option(
    "--level", type=click.IntRange(LOWEST_LEVEL, TOP_LEVEL), help="Default: the lowest offered."
)
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    help=f"One of {', '.join(ALL_FORMATS)}; audio and captions need -o.",
)
@click.option("--name", default=None, help="The name to use in the script.")
@click.option("--touch", default=None, help="The touch alternative to offer.")
@click.option("--voice", default=None, help="Voice id (see `hearth voices`).")
@click.option("--rate", type=int, default=None, help="Words per minute, 80-260.")
@click.option("--pitch", type=int, default=None, help="Pitch 0-99.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@with_appcontext
def render_command(practice_id, level, fmt, name, touch, voice, rate, pitch, output):
    """Render one variant of a practice as text, audio or captions."""
    practice = _get(practice_id)
    if fmt not in ALL_FORMATS:
        raise click.BadParameter(
            f"unknown format {fmt!r}; formats: {', '.join(ALL_FORMATS)}", param_hint="--format"
        )
    if fmt in AUDIO_FORMATS:
        if not output:
            raise click.BadParameter(
                "audio and captions go to a file: add -o FILE", param_hint="--output"
            )
        _render_media(
            practice, level or practice.levels[0], fmt, name, touch, voice, rate, pitch, output
        )
        return
    try:
        person = Personalisation(name=name, touch=touch)
        text = render(practice, level or practice.levels[0], fmt, person)
    except LevelNotOffered as error:
        raise click.BadParameter(str(error), param_hint="--level") from None
    except ValueError as error:
        raise click.BadParameter(str(error).splitlines()[-1], param_hint="--name/--touch") from None
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _render_media(practice, level, fmt, name, touch, voice, rate, pitch, output) -> None:
    from media.errors import MediaError
    from media.render import render_audio, render_captions
    from media.speech.voices import VoiceSettings
    from service import media

    try:
        person = Personalisation(name=name, touch=touch)
        settings = VoiceSettings.from_client(voice, rate, pitch)
        practice.variant(level)
        common = {
            "store": media.store(),
            "digest": library().digest(practice.id),
            "pool": media.pool(),
        }
        if fmt == "vtt":
            result = render_captions(practice, level, person, settings, **common)
        else:
            result = render_audio(practice, level, person, settings, fmt, **common)
    except LevelNotOffered as error:
        raise click.BadParameter(str(error), param_hint="--level") from None
    except MediaError as error:
        raise click.ClickException(str(error)) from None
    shutil.copyfile(result.path, output)
    seconds = getattr(result, "total_seconds", None)
    length = f", {seconds / 60:.1f} minutes" if seconds else ""
    click.echo(
        f"wrote {output} ({fmt}{length}{', from the cache' if result.cached else ''})", err=True
    )


@click.command("voices")
@with_appcontext
def voices_command():
    """List the installed voices (ids for --voice and the client settings)."""
    from media.errors import MediaError
    from media.speech.pool import list_voices
    from media.speech.voices import default_voice, voices_table

    try:
        click.echo(voices_table(list_voices()))
    except MediaError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"default: {default_voice()}")


def _get(practice_id: str):
    try:
        return library().get(practice_id)
    except UnknownPractice as error:
        raise click.BadParameter(
            f"{error}; `hearth practices list` shows them", param_hint="PRACTICE_ID"
        ) from None
