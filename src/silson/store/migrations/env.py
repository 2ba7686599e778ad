"""Alembic environment: runs on the connection `silson.store.db.migrate` hands it."""

from alembic import context

import silson.agents.models  # noqa: F401  (its tables join Base.metadata, so autogenerate sees them)
import silson.assist.models  # noqa: F401  (its tables join Base.metadata, so autogenerate sees them)
import silson.discover.models  # noqa: F401  (its tables join Base.metadata, so autogenerate sees them)
import silson.documentstore.models  # noqa: F401  (its tables join Base.metadata, so autogenerate sees them)
import silson.notifications.models  # noqa: F401  (its tables join Base.metadata, so autogenerate sees them)
import silson.payments.models  # noqa: F401  (its tables join Base.metadata, so autogenerate sees them)
import silson.relay.models  # noqa: F401  (its tables join Base.metadata, so autogenerate sees them)
from silson.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
