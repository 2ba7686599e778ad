"""Alembic environment: runs on the connection `silson.store.db.migrate` hands it."""

from alembic import context

import silson.agents.models  # its tables join Base.metadata (autogenerate sees them)
import silson.assist.models  # its tables join Base.metadata (autogenerate sees them)
import silson.discover.models  # its tables join Base.metadata (autogenerate sees them)
import silson.documentstore.models  # its tables join Base.metadata (autogenerate sees them)
import silson.notifications.models  # its tables join Base.metadata (autogenerate sees them)
import silson.payments.models  # its tables join Base.metadata (autogenerate sees them)
import silson.relay.models  # noqa: F401  (these imports put their tables in Base.metadata, for autogenerate)
from silson.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
