"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import care.tables  # noqa: F401
from care import migrate


def test_migrations_match_the_models(app):
    engine = app.extensions["hearth.engine"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert migrate.current(engine) is not None


def test_every_revision_downgrades_and_upgrades_again(app):
    engine = app.extensions["hearth.engine"]
    migrate.upgrade(engine, "head")
    from alembic import command

    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) is not None
