"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:21:43.469113
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "iris_customer_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("allows_new_issues", sa.Boolean(), nullable=False),
        sa.Column("allows_invoices", sa.Boolean(), nullable=False),
        sa.Column("is_builtin", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_customer_status")),
        sa.UniqueConstraint("name", name=op.f("uq_iris_customer_status_name")),
    )
    op.create_table(
        "iris_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_user")),
        sa.UniqueConstraint("email", name=op.f("uq_iris_user_email")),
    )
    op.create_table(
        "iris_customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("is_business", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("telephone", sa.String(length=40), nullable=True),
        sa.Column("mobile", sa.String(length=40), nullable=True),
        sa.Column("default_payer_id", sa.Integer(), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["default_payer_id"],
            ["iris_customer.id"],
            name=op.f("fk_iris_customer_default_payer_id_iris_customer"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["iris_customer_status.id"],
            name=op.f("fk_iris_customer_status_id_iris_customer_status"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_customer")),
    )
    with op.batch_alter_table("iris_customer", schema=None) as batch_op:
        batch_op.create_index("ix_iris_customer_code", ["code"], unique=False)
        batch_op.create_index(
            "ix_iris_customer_default_payer_id", ["default_payer_id"], unique=False
        )
        batch_op.create_index("ix_iris_customer_is_business", ["is_business"], unique=False)
        batch_op.create_index("ix_iris_customer_status_id", ["status_id"], unique=False)
    # Codes are unique ignoring case; autogenerate cannot see expression indexes.
    op.create_index(
        "uq_iris_customer_code_ci", "iris_customer", [sa.text("lower(code)")], unique=True
    )
    op.create_index(
        "ix_iris_customer_sort_name", "iris_customer", [sa.text("lower(name)"), "id"], unique=False
    )

    op.create_table(
        "iris_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("function", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("telephone", sa.String(length=40), nullable=True),
        sa.Column("mobile", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["iris_customer.id"],
            name=op.f("fk_iris_contact_customer_id_iris_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_contact")),
    )
    with op.batch_alter_table("iris_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iris_contact_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "iris_customer_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("access", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["iris_customer.id"],
            name=op.f("fk_iris_customer_user_customer_id_iris_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["iris_user.id"],
            name=op.f("fk_iris_customer_user_user_id_iris_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_customer_user")),
        sa.UniqueConstraint(
            "customer_id", "user_id", name=op.f("uq_iris_customer_user_customer_id")
        ),
    )
    with op.batch_alter_table("iris_customer_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iris_customer_user_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_iris_customer_user_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "iris_invoice_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("attention", sa.String(length=200), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("invoice_email", sa.String(length=254), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["iris_customer.id"],
            name=op.f("fk_iris_invoice_address_customer_id_iris_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_invoice_address")),
    )
    with op.batch_alter_table("iris_invoice_address", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iris_invoice_address_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "iris_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["iris_customer.id"],
            name=op.f("fk_iris_issue_customer_id_iris_customer"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["iris_user.id"],
            name=op.f("fk_iris_issue_reporter_id_iris_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iris_issue")),
    )
    with op.batch_alter_table("iris_issue", schema=None) as batch_op:
        batch_op.create_index(
            "ix_iris_issue_customer_id", ["customer_id", "updated_at"], unique=False
        )
        batch_op.create_index("ix_iris_issue_reporter_id", ["reporter_id"], unique=False)

    status = sa.table(
        "iris_customer_status",
        sa.column("name", sa.String),
        sa.column("colour", sa.String),
        sa.column("allows_new_issues", sa.Boolean),
        sa.column("allows_invoices", sa.Boolean),
        sa.column("is_builtin", sa.Boolean),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(
        status,
        [
            {
                "name": "Active",
                "colour": "#28a745",
                "allows_new_issues": True,
                "allows_invoices": True,
                "is_builtin": True,
                "sort_order": 10,
            },
            {
                "name": "Inactive",
                "colour": "#6c757d",
                "allows_new_issues": False,
                "allows_invoices": False,
                "is_builtin": True,
                "sort_order": 20,
            },
        ],
    )


def downgrade():
    op.drop_index("uq_iris_customer_code_ci", table_name="iris_customer")
    op.drop_index("ix_iris_customer_sort_name", table_name="iris_customer")
    with op.batch_alter_table("iris_issue", schema=None) as batch_op:
        batch_op.drop_index("ix_iris_issue_reporter_id")
        batch_op.drop_index("ix_iris_issue_customer_id")

    op.drop_table("iris_issue")
    with op.batch_alter_table("iris_invoice_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iris_invoice_address_customer_id"))

    op.drop_table("iris_invoice_address")
    with op.batch_alter_table("iris_customer_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iris_customer_user_user_id"))
        batch_op.drop_index(batch_op.f("ix_iris_customer_user_customer_id"))

    op.drop_table("iris_customer_user")
    with op.batch_alter_table("iris_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iris_contact_customer_id"))

    op.drop_table("iris_contact")
    with op.batch_alter_table("iris_customer", schema=None) as batch_op:
        batch_op.drop_index("ix_iris_customer_status_id")
        batch_op.drop_index("ix_iris_customer_is_business")
        batch_op.drop_index("ix_iris_customer_default_payer_id")
        batch_op.drop_index("ix_iris_customer_code")

    op.drop_table("iris_customer")
    op.drop_table("iris_user")
    op.drop_table("iris_customer_status")
