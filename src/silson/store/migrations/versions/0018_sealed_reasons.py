"""people's free text and identifiers sealed at rest (#14)

What people, staff and insurers wrote about a person's claims and where the person is treated move
from clear columns to columns sealed under the person's data key (privacy/at_rest.py), like the
spending's 사업자등록번호 in 0016: the reason of each move of a claim, why a denied item is filed again,
the estimate's note on a claim item (it may quote the 실손 amount received that year), the insurer's
reason for a delay, and the institution of a 위임장. Existing rows are sealed with the
master key found beside the data (SILSON_HOME/master.key); a row of an erased person (no key) keeps
nothing. Downgrade opens them again, which needs the same key. Audit entries written before this
migration keep their detail as it was hashed: rewriting them would break the chain and its anchors.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from silson.privacy.crypto import CryptoError, FileMasterKey, open_sealed, seal

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


class Column(NamedTuple):
    table: str
    clear: str
    sealed: str
    field: str  # what at_rest binds into the seal
    person: str  # SQL for the row's person id, from the table
    clear_type: sa.types.TypeEngine  # type: ignore[type-arg]
    nullable: bool


CLAIM_PERSON = "(SELECT person_id FROM claim WHERE claim.id = {t}.claim_id)"
COLUMNS = (
    Column("claim_transition", "reason", "reason_sealed", "claim_transition.reason",
           CLAIM_PERSON.format(t="claim_transition"), sa.Text(), False),
    Column("claim_item", "reclaim_reason", "reclaim_reason_sealed", "claim_item.reclaim_reason",
           CLAIM_PERSON.format(t="claim_item"), sa.Text(), True),
    Column("claim_item", "note", "note_sealed", "claim_item.note",
           CLAIM_PERSON.format(t="claim_item"), sa.Text(), True),
    Column("claim_package", "delay_reason", "delay_reason_sealed", "claim_package.delay_reason",
           CLAIM_PERSON.format(t="claim_package"), sa.Text(), True),
    Column("power_of_attorney", "institution_id", "institution_sealed", "power_of_attorney.institution_id",
           "person_id", sa.String(length=20), False),
)  # fmt: skip


def _master_path(bind: sa.Connection) -> Path:
    from silson.store.db import data_home  # the folder the service keeps its master key in

    return data_home(bind.engine) / "master.key"


def _wrapped_keys(bind: sa.Connection) -> dict[int, bytes]:
    inspector = sa.inspect(bind)
    for schema in ("keystore", None):
        try:
            present = inspector.has_table("person_key", schema=schema)
        except sa.exc.SQLAlchemyError:
            present = False
        if present:
            table = f"{schema}.person_key" if schema else "person_key"
            return {int(pid): bytes(w) for pid, w in bind.execute(sa.text(f"SELECT person_id, wrapped FROM {table}"))}
    return {}


class Keys:
    """The person data keys, unwrapped once each, loaded only when some row needs one."""

    def __init__(self, bind: sa.Connection) -> None:
        self.bind = bind
        self.master: FileMasterKey | None = None
        self.wrapped: dict[int, bytes] = {}
        self.keys: dict[int, bytes | None] = {}

    def of(self, person_id: int, count: int) -> bytes | None:
        if self.master is None:
            path = _master_path(self.bind)
            if not path.exists():
                raise RuntimeError(f"0018: {count} rows hold people's free text in clear; sealing them needs the "
                                   f"master key at {path} (set SILSON_HOME to the folder that holds it)")  # fmt: skip
            self.master, self.wrapped = FileMasterKey.load_or_create(path), _wrapped_keys(self.bind)
        if person_id not in self.keys:
            w = self.wrapped.get(person_id)
            self.keys[person_id] = self.master.unwrap(w, f"person:{person_id}".encode()) if w else None
        return self.keys[person_id]


def _rows(bind: sa.Connection, c: Column, column: str) -> list[tuple[int, int | None, object]]:
    query = sa.text(f"SELECT id, {c.person} AS person_id, {column} FROM {c.table} WHERE {column} IS NOT NULL")
    return [(int(i), None if p is None else int(p), v) for i, p, v in bind.execute(query)]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # the old tables' pages, clear text in them, are zeroed when dropped
        op.execute("PRAGMA main.secure_delete=ON")
    keys = Keys(bind)
    for c in COLUMNS:
        with op.batch_alter_table(c.table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(c.sealed, sa.LargeBinary(), nullable=True))
        rows = _rows(bind, c, c.clear)
        for row_id, person_id, clear in rows:
            key = keys.of(person_id, len(rows)) if person_id is not None else None
            sealed = seal(key, str(clear), c.field) if key is not None else b""  # erased: nothing to keep
            bind.execute(sa.text(f"UPDATE {c.table} SET {c.sealed} = :s WHERE id = :i"), {"s": sealed, "i": row_id})
        with op.batch_alter_table(c.table, schema=None) as batch_op:
            if not c.nullable:
                batch_op.alter_column(c.sealed, existing_type=sa.LargeBinary(), nullable=False)
            batch_op.drop_column(c.clear)


def downgrade() -> None:
    bind = op.get_bind()
    keys = Keys(bind)
    for c in COLUMNS:
        with op.batch_alter_table(c.table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(c.clear, c.clear_type, nullable=True))
        rows = _rows(bind, c, c.sealed)
        for row_id, person_id, sealed in rows:
            key = keys.of(person_id, len(rows)) if person_id is not None else None
            try:
                blob = bytes(sealed) if isinstance(sealed, bytes | memoryview) else b""
                clear = open_sealed(key, blob, c.field) if key is not None and blob else ""
            except CryptoError:
                clear = ""
            bind.execute(sa.text(f"UPDATE {c.table} SET {c.clear} = :p WHERE id = :i"), {"p": clear, "i": row_id})
        with op.batch_alter_table(c.table, schema=None) as batch_op:
            if not c.nullable:
                batch_op.alter_column(c.clear, existing_type=c.clear_type, nullable=False)
            batch_op.drop_column(c.sealed)
