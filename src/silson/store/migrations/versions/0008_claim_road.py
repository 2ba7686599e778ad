"""claim road: guardianship, claim requests, documents, packages, payout lines

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "claim_request",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("claim_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_request_person_id"), ["person_id"], unique=False)

    op.create_table(
        "guardianship",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guardian_id", "ward_id", name="uq_guardianship"),
    )
    with op.batch_alter_table("guardianship", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardianship_guardian_id"), ["guardian_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guardianship_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "claim_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("contract_ref", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "subject", "contract_ref", "code", name="uq_claim_document"),
    )
    with op.batch_alter_table("claim_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_document_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "claim_package",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("insurer", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_no", sa.String(length=50), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("scheduled_on", sa.Date(), nullable=True),
        sa.Column("delay_reason", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("claim_package", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_package_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_package_state"), ["state"], unique=False)

    op.create_table(
        "payout_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("statement_no", sa.String(length=50), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("event_ref", sa.String(length=100), nullable=False),
        sa.Column("contract_ref", sa.String(length=100), nullable=False),
        sa.Column("coverage", sa.String(length=60), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("deductible", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["claim_package.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("package_id", "statement_no", "line_no", name="uq_payout_line"),
    )
    with op.batch_alter_table("payout_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_line_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_line_package_id"), ["package_id"], unique=False)

    with op.batch_alter_table("claim_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reclaim_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reclaim_reason", sa.Text(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("claim_item", schema=None) as batch_op:
        batch_op.drop_column("reclaim_reason")
        batch_op.drop_column("reclaim_of")
        batch_op.drop_column("note")

    with op.batch_alter_table("payout_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_line_package_id"))
        batch_op.drop_index(batch_op.f("ix_payout_line_claim_id"))

    op.drop_table("payout_line")
    with op.batch_alter_table("claim_package", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_package_state"))
        batch_op.drop_index(batch_op.f("ix_claim_package_claim_id"))

    op.drop_table("claim_package")
    with op.batch_alter_table("claim_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_document_claim_id"))

    op.drop_table("claim_document")
    with op.batch_alter_table("guardianship", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardianship_ward_id"))
        batch_op.drop_index(batch_op.f("ix_guardianship_guardian_id"))

    op.drop_table("guardianship")
    with op.batch_alter_table("claim_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_request_person_id"))

    op.drop_table("claim_request")
