"""`hearth practices list|show|render`: the library from the command line."""

import json
import sys

import click
from flask.cli import with_appcontext

from practices import FORMATS, LevelNotOffered, Personalisation, UnknownPractice, render
from practices.timing import estimate_seconds
from service.library import library


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
@click.option("--level", type=click.IntRange(1, 5), help="Default: the lowest offered.")
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    help=f"One of {', '.join(FORMATS)} (audio formats arrive with the media issue).",
)
@click.option("--name", default=None, help="The name to use in the script.")
@click.option("--touch", default=None, help="The touch alternative to offer.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@with_appcontext
def render_command(practice_id, level, fmt, name, touch, output):
    """Render one variant of a practice."""
    practice = _get(practice_id)
    if fmt not in FORMATS:
        raise click.BadParameter(
            f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}", param_hint="--format"
        )
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


def _get(practice_id: str):
    try:
        return library().get(practice_id)
    except UnknownPractice as error:
        raise click.BadParameter(
            f"{error}; `hearth practices list` shows them", param_hint="PRACTICE_ID"
        ) from None
