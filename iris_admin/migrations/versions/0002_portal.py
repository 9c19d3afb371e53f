"""portal: issue replies, status history, failed log-ins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:27:57.455147
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "iris_issue_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["iris_user.id"],
            name=op.f("fk_iris_issue_reply_author_id_iris_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["iris_issue.id"],
            name=op.f("fk_iris_issue_reply_issue_id_iris_issue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_issue_reply")),
    )
    op.create_index("ix_iris_issue_reply_issue_id", "iris_issue_reply", ["issue_id", "created_at"])
    op.create_index("ix_iris_issue_reply_author_id", "iris_issue_reply", ["author_id"])

    op.create_table(
        "iris_issue_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("old_status", sa.String(length=20), nullable=True),
        sa.Column("new_status", sa.String(length=20), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["iris_user.id"],
            name=op.f("fk_iris_issue_status_change_changed_by_id_iris_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["iris_issue.id"],
            name=op.f("fk_iris_issue_status_change_issue_id_iris_issue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_issue_status_change")),
    )
    op.create_index(
        "ix_iris_issue_status_change_issue_id",
        "iris_issue_status_change",
        ["issue_id", "created_at"],
    )
    op.create_index(
        "ix_iris_issue_status_change_changed_by_id", "iris_issue_status_change", ["changed_by_id"]
    )

    op.create_table(
        "iris_login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_login_failure")),
    )
    op.create_index("ix_iris_login_failure_email", "iris_login_failure", ["email", "created_at"])
    op.create_index(
        "ix_iris_login_failure_address", "iris_login_failure", ["address", "created_at"]
    )
    op.create_index("ix_iris_login_failure_created_at", "iris_login_failure", ["created_at"])


def downgrade():
    op.drop_table("iris_login_failure")
    op.drop_table("iris_issue_status_change")
    op.drop_table("iris_issue_reply")
