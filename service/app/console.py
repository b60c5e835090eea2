"""The `hearth` console script: Flask's command group over the app factory, whose app carries
our commands (service/cli/). Configuration errors print one clear line."""

import sys

import click
from flask.cli import FlaskGroup

from practices import LibraryError
from service.app import create_app
from service.settings import SettingsError


def _create_app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=True)
def cli():
    """hearth: guided-practice delivery for psychotherapy home practice."""


def main() -> None:
    """Entry point of the console script; configuration errors print one clear line."""
    try:
        cli.main(prog_name="hearth")
    except SettingsError as error:
        click.echo(f"hearth: configuration error: {error}", err=True)
        sys.exit(2)
    except LibraryError as error:
        click.echo(f"hearth: cannot start: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
