"""Every staff account's own page: name, language and password (current one required)."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_admin import expose

from ..profile_forms import PasswordForm, ProfileForm
from ..profile_pages import blank_forms, save_password, save_profile
from .base import SecureView


class ProfileView(SecureView):
    """Reached from the user's name in the top bar, not from the menu."""

    permission = "admin.access"

    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        profile_form, password_form = blank_forms()
        if request.method == "POST":
            profile_form = ProfileForm()
            if not save_profile(profile_form):
                return self._render(profile_form, password_form), 400
            return redirect(url_for(".index"))
        return self._render(profile_form, password_form)

    @expose("/password", methods=("POST",))
    def password(self) -> Any:
        profile_form, _unused = blank_forms()
        password_form = PasswordForm()
        if not save_password(password_form):
            return self._render(profile_form, password_form), 400
        return redirect(url_for(".index"))

    def _render(self, profile_form: ProfileForm, password_form: PasswordForm) -> str:
        return self.render(
            "iris_admin/profile.html", profile_form=profile_form, password_form=password_form
        )
