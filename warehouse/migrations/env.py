"""Alembic environment: runs on the connection handed over by warehouse.migrate, or on DATABASE_URL."""

from alembic import context

from warehouse.db import make_engine
from warehouse.schema import made_on, metadata

config = context.config


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=made_on(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    with make_engine(config.get_main_option("sqlalchemy.url") or None).connect() as conn:
        run_migrations(conn)
        conn.commit()
