"""import changes: what a confirmed plan writes, in the customer table's columns

The commit then runs as INSERT ... SELECT and UPDATE ... FROM inside the database.
Run uploads are now kept with the plan (for the errors file) until the purge.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 03:18:53.874928
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "iris_import_change",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("payer_row", sa.Integer(), nullable=True),
        sa.Column("payer_label", sa.Text(), nullable=True),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("is_business", sa.Boolean(), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("telephone", sa.String(length=40), nullable=True),
        sa.Column("mobile", sa.String(length=40), nullable=True),
        sa.Column("default_payer_id", sa.Integer(), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=True),
        sa.Column("custom_values", sa.JSON(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["iris_import_run.id"],
            name=op.f("fk_iris_import_change_run_id_iris_import_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f("pk_iris_import_change")),
    )
    with op.batch_alter_table("iris_import_change", schema=None) as batch_op:
        batch_op.create_index("ix_iris_import_change_kind", ["run_id", "kind", "seq"], unique=False)


def downgrade():
    with op.batch_alter_table("iris_import_change", schema=None) as batch_op:
        batch_op.drop_index("ix_iris_import_change_kind")

    op.drop_table("iris_import_change")
