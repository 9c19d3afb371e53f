"""dashboard: message outbox, custom field definitions, custom values on customers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "iris_custom_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("field_type", sa.String(length=20), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("help_text", sa.String(length=300), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_custom_field")),
        sa.UniqueConstraint("key", name=op.f("uq_iris_custom_field_key")),
    )

    op.create_table(
        "iris_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("recipient_names", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["iris_user.id"],
            name=op.f("fk_iris_message_created_by_id_iris_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["iris_customer.id"],
            name=op.f("fk_iris_message_customer_id_iris_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["iris_issue.id"],
            name=op.f("fk_iris_message_issue_id_iris_issue"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_message")),
    )
    op.create_index("ix_iris_message_due", "iris_message", ["status", "next_attempt_at"])
    op.create_index("ix_iris_message_customer_id", "iris_message", ["customer_id", "created_at"])
    op.create_index("ix_iris_message_issue_id", "iris_message", ["issue_id"])
    op.create_index("ix_iris_message_created_by_id", "iris_message", ["created_by_id"])
    op.create_index("ix_iris_message_claimed_by", "iris_message", ["claimed_by"])

    # Plain ADD COLUMN (not a batch copy), so the customer table and its expression
    # indexes stay as they are; the server defaults fill the existing rows.
    op.add_column(
        "iris_customer",
        sa.Column("custom_values", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column(
        "iris_customer",
        sa.Column("notify_issue_updates", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), again so the table is not copied.
    op.drop_column("iris_customer", "notify_issue_updates")
    op.drop_column("iris_customer", "custom_values")
    op.drop_table("iris_message")
    op.drop_table("iris_custom_field")
