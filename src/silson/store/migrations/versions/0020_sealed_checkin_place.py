"""where a field agent checked in, sealed at rest (#14)

`agent_task.checkin_place` held in clear what the agent typed at the counter ("1층 원무과 창구"): free
text about a person's errand at their clinic. It moves to `checkin_place_sealed`, under the person's
data key (privacy/at_rest.py), like the reasons in 0018; existing rows are sealed with the master key
beside the data (0018's `Keys`), a row of an erased person keeps nothing. Downgrade opens them again.
(The reason typed when a document is marked 필요 없음 and a job's error need no column: the first is
sealed inside its audit entry, the second keeps only the error's class, code and place.)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import importlib
from types import ModuleType

import sqlalchemy as sa
from alembic import op

from silson.privacy.crypto import CryptoError, open_sealed, seal

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE, CLEAR, SEALED, FIELD = "agent_task", "checkin_place", "checkin_place_sealed", "agent_task.checkin_place"


def _0018() -> ModuleType:
    """0018's key loader and row reader (a module whose name starts with a digit is imported by name)."""
    return importlib.import_module("silson.store.migrations.versions.0018_sealed_reasons")


def _column() -> object:
    return _0018().Column(TABLE, CLEAR, SEALED, FIELD, "person_id", sa.String(length=200), True)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # the old table's pages, clear text in them, are zeroed when dropped
        op.execute("PRAGMA main.secure_delete=ON")
    keys = _0018().Keys(bind)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column(SEALED, sa.LargeBinary(), nullable=True))
    rows = _0018()._rows(bind, _column(), CLEAR)
    for row_id, person_id, clear in rows:
        key = keys.of(person_id, len(rows)) if person_id is not None else None
        sealed = seal(key, str(clear), FIELD) if key is not None else b""  # erased: nothing to keep
        bind.execute(sa.text(f"UPDATE {TABLE} SET {SEALED} = :s WHERE id = :i"), {"s": sealed, "i": row_id})
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column(CLEAR)


def downgrade() -> None:
    bind = op.get_bind()
    keys = _0018().Keys(bind)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column(CLEAR, sa.String(length=200), nullable=True))
    rows = _0018()._rows(bind, _column(), SEALED)
    for row_id, person_id, sealed in rows:
        key = keys.of(person_id, len(rows)) if person_id is not None else None
        try:
            blob = bytes(sealed) if isinstance(sealed, bytes | memoryview) else b""
            clear = open_sealed(key, blob, FIELD) if key is not None and blob else ""
        except CryptoError:
            clear = ""
        bind.execute(sa.text(f"UPDATE {TABLE} SET {CLEAR} = :p WHERE id = :i"), {"p": clear, "i": row_id})
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column(SEALED)
