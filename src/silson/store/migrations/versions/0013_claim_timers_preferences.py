"""claim states and timers, notification preferences (#15)

The package keeps what the insurer said after 접수 (제9조②③: the delay notice's reason code and day,
the 가지급 and its day); each customer chooses which kinds of notification they receive.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim_package", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delay_code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delay_notified_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("prepaid_amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prepaid_on", sa.Date(), nullable=True))
    op.create_table(
        "notification_preference",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id", "topic"),
    )


def downgrade() -> None:
    op.drop_table("notification_preference")
    with op.batch_alter_table("claim_package", schema=None) as batch_op:
        batch_op.drop_column("prepaid_on")
        batch_op.drop_column("prepaid_amount")
        batch_op.drop_column("delay_notified_on")
        batch_op.drop_column("delay_code")
