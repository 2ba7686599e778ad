"""field agents: tasks, visits to institutions, fees (#18)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_agent",
        sa.Column("staff_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("areas", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "agent_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("area", sa.String(length=50), nullable=False),
        sa.Column("details_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("agent_id", sa.String(length=100), nullable=False),
        sa.Column("poa_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkin_place", sa.String(length=200), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=200), nullable=True),
        sa.Column("consent_pdf_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("poa_pdf_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("id_copy_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("signature_sealed", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["field_agent.staff_id"]),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["poa_id"], ["power_of_attorney.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_task_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_task_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_task_state"), ["state"], unique=False)
    op.create_table(
        "agent_task_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("visit_ref", sa.String(length=30), nullable=True),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("claim_document_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("fee_item", sa.String(length=40), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("fee", sa.BigInteger(), nullable=True),
        sa.Column("fee_cap", sa.BigInteger(), nullable=True),
        sa.Column("fee_reference", sa.String(length=300), nullable=True),
        sa.Column("fee_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("photo_sha256", sa.String(length=64), nullable=True),
        sa.Column("reading_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["claim_document_id"], ["claim_document.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["agent_task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_task_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_task_document_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agent_task_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_task_document_task_id"))
    op.drop_table("agent_task_document")
    with op.batch_alter_table("agent_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_task_state"))
        batch_op.drop_index(batch_op.f("ix_agent_task_agent_id"))
        batch_op.drop_index(batch_op.f("ix_agent_task_person_id"))
    op.drop_table("agent_task")
    op.drop_table("field_agent")
