"""실손24 relay submissions and assisted-mode requests (#18)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relay_route_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("chosen_by", sa.String(length=100), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "subject"),
    )
    with op.batch_alter_table("relay_route_choice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relay_route_choice_claim_id"), ["claim_id"], unique=False)
    op.create_table(
        "relay_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("subjects", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("receipt_no", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("relay_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relay_submission_claim_id"), ["claim_id"], unique=False)
    op.create_table(
        "assist_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("covers", sa.Text(), nullable=False),
        sa.Column("consent", sa.String(length=40), nullable=False),
        sa.Column("consent_version", sa.String(length=20), nullable=False),
        sa.Column("note_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assist_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assist_request_person_id"), ["person_id"], unique=False)
    op.create_table(
        "assist_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["assist_request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assist_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assist_action_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assist_action_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assist_action_request_id"), ["request_id"], unique=False)
    op.create_table(
        "display_preference",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("large_text", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("display_preference")
    with op.batch_alter_table("assist_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assist_action_request_id"))
        batch_op.drop_index(batch_op.f("ix_assist_action_person_id"))
        batch_op.drop_index(batch_op.f("ix_assist_action_claim_id"))
    op.drop_table("assist_action")
    with op.batch_alter_table("assist_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assist_request_person_id"))
    op.drop_table("assist_request")
    with op.batch_alter_table("relay_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relay_submission_claim_id"))
    op.drop_table("relay_submission")
    with op.batch_alter_table("relay_route_choice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relay_route_choice_claim_id"))
    op.drop_table("relay_route_choice")
