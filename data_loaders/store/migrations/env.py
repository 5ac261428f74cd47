from alembic import context
from alembic.runtime.migration import MigrationContext

from data_loaders.store.migration_guard import check_downgrade
from data_loaders.store.models import Base

config = context.config
engine = config.attributes.get("engine")


def _destination():
    """Where an upgrade or downgrade goes (None: the base); `alembic check` and the like have none."""
    try:
        return True, context.get_revision_argument()
    except KeyError:
        return False, None


with engine.connect() as connection:
    moving, destination = _destination()
    if moving:  # the migration policy: no downgrade drops accounts or the audit trail without NQ57_ALLOW_DATA_LOSS=1
        check_downgrade(connection, context.script, MigrationContext.configure(connection).get_current_heads(),
                        destination)
        connection.rollback()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
