"""accounts: a session version that ends every session when bumped; a preferred language

``session_version`` is part of the id Flask-Login keeps in the session and the
remember cookie; logging out, a password change or reset, deactivation and an
admin's "log out everywhere" raise it, so every older cookie stops working.
Existing accounts start at 1 (their sessions of before the upgrade end once).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("iris_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("language", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("iris_user") as batch:
        batch.drop_column("language")
        batch.drop_column("session_version")
