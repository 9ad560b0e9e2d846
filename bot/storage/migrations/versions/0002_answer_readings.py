"""What the reading of each answer found: routine discipline given to the SRO (and whether the
committee kept it), personal details, topics, a concern voiced (issue 4).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Answers given before this revision were never read: they start empty, as if nothing was found.
COLUMNS = (
    sa.Column("discipline_matter", sa.String(40), nullable=True),
    sa.Column("discipline_kept", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("personal_items", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("topics", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("voices_concern", sa.Boolean(), nullable=False, server_default=sa.false()),
)


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        for column in COLUMNS:
            batch.add_column(column.copy())


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        for column in COLUMNS:
            batch.drop_column(column.name)
