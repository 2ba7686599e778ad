"""recourse sending and unmatched statement lines (#16)

A recourse request keeps how it was sent (its idempotency key, the insurer's 접수번호 and 접수일, the
day an answer is due, the answer) and, for the 민원 and 분쟁조정, the day the customer filed it; a
statement's 지연이자 is kept per statement; rows of an uploaded statement PDF that match no visit
wait for a reviewer.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_recourse", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("insurer_ref", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("answer_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("answer_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("filed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.create_unique_constraint("uq_payment_recourse_send_key", ["send_key"])
    with op.batch_alter_table("payment_reconciliation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interest_paid", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table(
        "payment_interest_paid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("statement_no", sa.String(length=50), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "statement_no", name="uq_payment_interest_paid"),
    )
    with op.batch_alter_table("payment_interest_paid", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_interest_paid_claim_id"), ["claim_id"], unique=False)
    op.create_table(
        "payment_unmatched_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("statement_no", sa.String(length=50), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("coverage_label", sa.String(length=60), nullable=False),
        sa.Column("coverage", sa.String(length=60), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("deductible", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_ref", sa.String(length=100), nullable=True),
        sa.Column("contract_ref", sa.String(length=100), nullable=True),
        sa.Column("matched_by", sa.String(length=100), nullable=True),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["package_id"], ["claim_package.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "statement_no", "line_no", name="uq_payment_unmatched_line"),
    )
    with op.batch_alter_table("payment_unmatched_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_unmatched_line_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_unmatched_line_state"), ["state"], unique=False)


def downgrade() -> None:
    op.drop_table("payment_unmatched_line")
    op.drop_table("payment_interest_paid")
    with op.batch_alter_table("payment_reconciliation", schema=None) as batch_op:
        batch_op.drop_column("interest_paid")
    with op.batch_alter_table("payment_recourse", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_recourse_send_key", type_="unique")
        for column in ("last_error", "filed_on", "answer_sealed", "answered_at", "answer_due", "received_on",
                       "insurer_ref", "sent_at", "send_key"):  # fmt: skip
            batch_op.drop_column(column)
