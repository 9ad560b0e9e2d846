"""The personal details found in each wording of an answer, so that the documents can remove
them from earlier wordings too, not only from the current one (issue 10).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: a wording stored before this revision, never read on its own; the export reads it.
    with op.batch_alter_table("answer_revisions") as batch:
        batch.add_column(sa.Column("personal_items", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answer_revisions") as batch:
        batch.drop_column("personal_items")
