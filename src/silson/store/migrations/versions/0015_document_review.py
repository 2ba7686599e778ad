"""document review: uploaded files with their readings, reviewers' looks at fields, visit links (#17)

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_file",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("file_type", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("reading_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("open_doubts", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("attached_by", sa.String(length=100), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["claim_event.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("document_id"),
        sa.UniqueConstraint("person_id", "file_hash", name="uq_document_file_once"),
    )
    with op.batch_alter_table("document_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_file_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_file_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_file_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_file_state"), ["state"], unique=False)

    op.create_table(
        "document_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("value_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document_file.document_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_review_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_review_document_id"))
    op.drop_table("document_review")
    with op.batch_alter_table("document_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_file_state"))
        batch_op.drop_index(batch_op.f("ix_document_file_person_id"))
        batch_op.drop_index(batch_op.f("ix_document_file_event_id"))
        batch_op.drop_index(batch_op.f("ix_document_file_claim_id"))
    op.drop_table("document_file")
