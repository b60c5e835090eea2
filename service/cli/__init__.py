"""The `hearth` commands, one module per job, attached to each app by `init_app`; the console
script itself is service/app/console.py."""

from service.cli.backup import backup_command
from service.cli.db import db_group
from service.cli.demo import demo_command
from service.cli.practices import practices_group, voices_command
from service.cli.restore import restore_command
from service.cli.scheduler import scheduler_group
from service.cli.secrets import rotate_secret_command
from service.cli.users import users_group

COMMANDS = (
    db_group,
    users_group,
    demo_command,
    practices_group,
    voices_command,
    scheduler_group,
    backup_command,
    restore_command,
    rotate_secret_command,
)


def init_app(app) -> None:
    """Attach the commands to an app (so `flask --app wsgi` has them too)."""
    for command in COMMANDS:
        if command.name not in app.cli.commands:
            app.cli.add_command(command)
