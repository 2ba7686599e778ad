"""silson received (B201Y: 실손 already paid per policy and year, the policy number sealed)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "silson_received",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("insurer", sa.String(length=100), nullable=False),
        sa.Column("policy_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["import_file.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("silson_received", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_silson_received_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("silson_received", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_silson_received_person_id"))
    op.drop_table("silson_received")
