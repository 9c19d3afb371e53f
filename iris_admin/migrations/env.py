"""Alembic environment of iris-admin (run through iris_admin.schema, not the alembic CLI)."""

from alembic import context

from iris_admin.models import IrisBase
from iris_admin.schema import VERSION_TABLE
from iris_admin.search_index import is_search_index_object

config = context.config
engine = config.attributes["engine"]


def include_object(obj, name, type_, reflected, compare_to):
    # A host app's tables share the database; only ours are compared.
    if is_search_index_object(name):  # made by migration 0005, not by the models
        return False
    if type_ == "table":
        return name.startswith("iris_") and name != VERSION_TABLE
    return True


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=IrisBase.metadata,
        version_table=VERSION_TABLE,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
