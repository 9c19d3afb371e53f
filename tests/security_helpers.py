"""Shared by the security tests: hostile values and small builders."""

from __future__ import annotations

from iris_admin.extension import db_session
from iris_admin.models import CustomField, FieldType

# Breaks out of an attribute and runs script as soon as the browser renders it.
HOSTILE_TEXT = '"><img src=x onerror=alert(1)>'


def hostile_custom_field(key: str = "notes") -> CustomField:
    field = CustomField(
        label="Notes",
        key=key,
        field_type=FieldType.TEXT.value,
        options=[],
        help_text=HOSTILE_TEXT,
    )
    db_session().add(field)
    db_session().commit()
    return field
