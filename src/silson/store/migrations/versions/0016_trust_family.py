"""family sharing and sealed columns (#14)

Family links gain what the member shares, when and by whom they ended, and invitations that wait
under the phone's blind index (member_id empty until accepted). The spending's provider
사업자등록번호 moves from a clear column to one sealed under the person's data key: each existing row
is sealed with the master key found beside the data (SILSON_HOME/master.key), and a row of an erased
person (no key) keeps nothing. Downgrade opens them again, which needs the same key.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from silson.privacy.crypto import CryptoError, FileMasterKey, open_sealed, seal

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FIELD = "spending.provider_id"


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


def _rows(bind: sa.Connection, column: str) -> list[tuple[int, int, object]]:
    query = sa.text(f"SELECT id, person_id, {column} FROM spending WHERE {column} IS NOT NULL")
    return [(int(i), int(p), v) for i, p, v in bind.execute(query)]


def _keys_for(bind: sa.Connection, count: int) -> tuple[FileMasterKey, dict[int, bytes]]:
    path = _master_path(bind)
    if not path.exists():
        raise RuntimeError(f"0016: {count} spending rows hold 사업자등록번호 in clear; sealing them needs the "
                           f"master key at {path} (set SILSON_HOME to the folder that holds it)")  # fmt: skip
    return FileMasterKey.load_or_create(path), _wrapped_keys(bind)


def upgrade() -> None:
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("invitee_index", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("invitee_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("shares", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_by", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_family_link_invitee_index"), ["invitee_index"], unique=False)
    op.execute("UPDATE family_link SET status = 'ended' WHERE status = 'revoked'")

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # the old table's pages, clear numbers in them, are zeroed when dropped
        op.execute("PRAGMA main.secure_delete=ON")
    with op.batch_alter_table("spending", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_id_sealed", sa.LargeBinary(), nullable=True))
    rows = _rows(bind, "provider_id")
    if rows:
        master, wrapped = _keys_for(bind, len(rows))
        data_keys: dict[int, bytes | None] = {}
        for row_id, person_id, provider_id in rows:
            if person_id not in data_keys:
                w = wrapped.get(person_id)
                data_keys[person_id] = master.unwrap(w, f"person:{person_id}".encode()) if w else None
            key = data_keys[person_id]
            sealed = seal(key, str(provider_id), FIELD) if key is not None else b""  # erased: nothing to keep
            bind.execute(
                sa.text("UPDATE spending SET provider_id_sealed = :s WHERE id = :i"), {"s": sealed, "i": row_id}
            )
    with op.batch_alter_table("spending", schema=None) as batch_op:
        batch_op.alter_column("provider_id_sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("provider_id")


def downgrade() -> None:
    with op.batch_alter_table("spending", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_id", sa.String(length=20), nullable=True))
    bind = op.get_bind()
    rows = _rows(bind, "provider_id_sealed")
    if rows:
        master, wrapped = _keys_for(bind, len(rows))
        for row_id, person_id, sealed in rows:
            w = wrapped.get(person_id)
            try:
                key = master.unwrap(w, f"person:{person_id}".encode()) if w else None
                clear = open_sealed(key, bytes(sealed), FIELD) if key is not None and isinstance(sealed, bytes) else ""
            except CryptoError:
                clear = ""
            bind.execute(sa.text("UPDATE spending SET provider_id = :p WHERE id = :i"), {"p": clear, "i": row_id})
    with op.batch_alter_table("spending", schema=None) as batch_op:
        batch_op.alter_column("provider_id", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("provider_id_sealed")

    op.execute("DELETE FROM family_link WHERE member_id IS NULL")
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_link_invitee_index"))
        batch_op.drop_column("ended_by")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("shares")
        batch_op.drop_column("invitee_sealed")
        batch_op.drop_column("invitee_index")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
