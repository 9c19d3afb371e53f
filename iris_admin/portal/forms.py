"""The portal's forms; the server re-checks every value a browser could tamper with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import strip_filter
from ..issue_actions import MAX_REPLY_LENGTH
from ..models import IssuePriority

PRIORITY_CHOICES = [
    (IssuePriority.LOW.value, _l("Low")),
    (IssuePriority.NORMAL.value, _l("Normal")),
    (IssuePriority.HIGH.value, _l("High")),
    (IssuePriority.URGENT.value, _l("Urgent")),
]


class NewIssueForm(FlaskForm):
    # The customer the form was opened for: another tab may have switched customers
    # since, and the value is checked against the user's own links on submit.
    customer_id = HiddenField(validators=[InputRequired()])
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip_filter]
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=MAX_REPLY_LENGTH)], filters=[strip_filter]
    )
    priority = SelectField(
        _l("Priority"), choices=PRIORITY_CHOICES, default=IssuePriority.NORMAL.value
    )
    # Only offered to customer managers (colleagues of the same customer); removed otherwise.
    reporter_id = SelectField(_l("Reported by"), coerce=int)


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        validators=[DataRequired(), Length(max=MAX_REPLY_LENGTH)],
        filters=[strip_filter],
    )


class SwitchCustomerForm(FlaskForm):
    customer_id = IntegerField(validators=[InputRequired()])
