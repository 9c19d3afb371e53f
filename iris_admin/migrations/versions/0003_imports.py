"""imports: stored import plans (runs and rows) and their history

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:33:05.257786
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "iris_import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_label", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=True),
        sa.Column("phase", sa.String(length=20), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("file_errors", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("upload", sa.LargeBinary(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("planned_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["iris_user.id"],
            name=op.f("fk_iris_import_run_user_id_iris_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_import_run")),
    )
    with op.batch_alter_table("iris_import_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iris_import_run_applied_at"), ["applied_at"], unique=False
        )
        batch_op.create_index("ix_iris_import_run_status", ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_iris_import_run_user_id"), ["user_id"], unique=False)

    op.create_table(
        "iris_import_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["iris_import_run.id"],
            name=op.f("fk_iris_import_row_run_id_iris_import_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_import_row")),
        sa.UniqueConstraint("run_id", "seq", name=op.f("uq_iris_import_row_run_id")),
    )
    with op.batch_alter_table("iris_import_row", schema=None) as batch_op:
        batch_op.create_index(
            "ix_iris_import_row_status", ["run_id", "status", "seq"], unique=False
        )


def downgrade():
    with op.batch_alter_table("iris_import_row", schema=None) as batch_op:
        batch_op.drop_index("ix_iris_import_row_status")

    op.drop_table("iris_import_row")
    with op.batch_alter_table("iris_import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iris_import_run_user_id"))
        batch_op.drop_index("ix_iris_import_run_status")
        batch_op.drop_index(batch_op.f("ix_iris_import_run_applied_at"))

    op.drop_table("iris_import_run")
