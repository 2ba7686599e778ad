"""payments: each statement's reconciliation and its lines, recourse requests

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_reconciliation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=True),
        sa.Column("statement_no", sa.String(length=50), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_date", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=False),
        sa.Column("expected_total", sa.BigInteger(), nullable=False),
        sa.Column("paid_total", sa.BigInteger(), nullable=False),
        sa.Column("underpaid_total", sa.BigInteger(), nullable=False),
        sa.Column("overpaid_total", sa.BigInteger(), nullable=False),
        sa.Column("interest_owed", sa.BigInteger(), nullable=False),
        sa.Column("loan_rate", sa.String(length=20), nullable=False),
        sa.Column("rate_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["package_id"], ["claim_package.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_reconciliation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_reconciliation_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_reconciliation_current"), ["current"], unique=False)

    op.create_table(
        "payment_reconciliation_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reconciliation_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("event_ref", sa.String(length=100), nullable=False),
        sa.Column("contract_ref", sa.String(length=100), nullable=False),
        sa.Column("coverage", sa.String(length=60), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("statement_paid", sa.BigInteger(), nullable=False),
        sa.Column("difference", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mistake_code", sa.String(length=60), nullable=True),
        sa.Column("detail_sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["reconciliation_id"], ["payment_reconciliation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_reconciliation_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_reconciliation_line_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_reconciliation_line_reconciliation_id"), ["reconciliation_id"], unique=False
        )

    op.create_table(
        "payment_recourse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("reconciliation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("at_stake", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drafted_by", sa.String(length=100), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["reconciliation_id"], ["payment_reconciliation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_recourse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_recourse_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_recourse_state"), ["state"], unique=False)


def downgrade() -> None:
    op.drop_table("payment_recourse")
    op.drop_table("payment_reconciliation_line")
    op.drop_table("payment_reconciliation")
