"""The import pages: upload, preview, confirm, progress, result, history, downloads.

Thin views over :mod:`iris_admin.importing`: the plan is built and stored by
``importing.store``, applied by ``importing.apply``; big files run in a background
thread (``importing.jobs``) whose progress and result live in the database.

Permissions: ``customers.import`` for modes add and all and for exports,
``customers.import_delete`` for mode delete; checked on every request.
"""

from __future__ import annotations

import io
import logging
import math
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_admin import expose
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from wtforms import RadioField

from ..extension import current_flask_app, iris_state
from ..importing import jobs
from ..importing.apply import ApplyFailed, apply_run
from ..importing.columns import COLUMN_BY_KEY
from ..importing.custom_columns import CustomColumns, field_key_of, is_custom_key
from ..importing.plan import COLUMN_OF_FIELD, VALUE_FIELDS
from ..importing.report import annotated_rows
from ..importing.results import ImportMode, RowResult, RowStatus
from ..importing.store import (
    FILTERS,
    TooManyRowsForRequest,
    claim_for_apply,
    create_run,
    discard_run,
    mark_stale_failed,
    page_rows,
    plan_run,
    purge_old,
    status_label,
    worker_id,
)
from ..importing.template import (
    CSV_MIME,
    XLSX_MIME,
    explanation_notes,
    export_customers,
    missing_ids_query,
    write_annotated_xlsx,
    write_template,
)
from ..models import CustomerStatus, ImportRun, RunStatus
from ..permissions import has_permission
from .base import SecureView

log = logging.getLogger(__name__)

IMPORT = "customers.import"
IMPORT_DELETE = "customers.import_delete"
# Room for the multipart envelope around the file itself.
_FORM_OVERHEAD = 64 * 1024

MODE_LABELS = {
    "add": _l("Add and update"),
    "all": _l("Add and update, and list customers not in the file"),
    "delete": _l("Delete the customers listed"),
}
MODE_HELP = {
    "add": _l("New customers are added and existing ones updated; nothing else changes."),
    "all": _l(
        "As add; the preview also lists the customers that are in the system but not "
        "in the file (downloadable). Nothing is deleted."
    ),
    "delete": _l(
        "The customers listed are deleted after you confirm by typing their number. "
        "Rows that match nobody, and customers with issues or that pay for others, "
        "are reported and left alone."
    ),
}
FILTER_LABELS = {
    "changes": _l("Changes"),
    "errors": _l("Errors"),
    "unchanged": _l("Unchanged"),
    "missing": _l("Not in the file"),
    "all": _l("All rows"),
}
STATUS_LABELS = {
    "new": _l("new"),
    "update": _l("update"),
    "unchanged": _l("unchanged"),
    "delete": _l("delete"),
    "missing": _l("not in the file"),
    "error": _l("error"),
    "skip": _l("left alone"),
}
STATUS_BADGES = {
    "new": "success",
    "update": "primary",
    "unchanged": "secondary",
    "delete": "danger",
    "missing": "warning",
    "error": "danger",
    "skip": "warning",
}


class UploadTooLarge(HTTPException):
    code = 413


class UploadForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (.xlsx, .xls or .csv)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )
    mode = RadioField(_l("Mode"), default="add")


def field_label(name: str, custom_labels: dict[str, str] | None = None) -> str:
    if is_custom_key(name):  # a custom field; its key when it was removed since
        return (custom_labels or {}).get(name) or field_key_of(name)
    return str(COLUMN_BY_KEY[COLUMN_OF_FIELD.get(name, name)].label)


def allowed_modes() -> list[str]:
    modes = []
    if has_permission(IMPORT):
        modes += ["add", "all"]
    if has_permission(IMPORT_DELETE):
        modes.append("delete")
    return modes


def may_use_mode(mode: str) -> bool:
    return mode in allowed_modes()


class ImportView(SecureView):
    """Reached from the "Import customers" button on the overview (not in the menu)."""

    permission = IMPORT

    def is_accessible(self) -> bool:
        return has_permission(IMPORT) or has_permission(IMPORT_DELETE)

    def is_visible(self) -> bool:
        return False

    # -- blueprint: refuse big uploads before anything reads them -------------------------
    def create_blueprint(self, admin: Any) -> Blueprint:
        blueprint = super().create_blueprint(admin)
        blueprint.url_value_preprocessor(self._limit_upload)
        blueprint.register_error_handler(UploadTooLarge, self._upload_too_large)
        blueprint.register_error_handler(RequestEntityTooLarge, self._upload_too_large)
        blueprint.add_app_template_global(_import_url, "iris_import_url")
        return blueprint

    def _limit_upload(self, endpoint: str | None, values: dict | None) -> None:
        if request.method != "POST" or endpoint != f"{self.endpoint}.index":
            return
        limit = int(current_app.config["IRIS_IMPORT_MAX_BYTES"]) + _FORM_OVERHEAD
        if request.content_length is not None and request.content_length > limit:
            raise UploadTooLarge()
        # Chunked uploads have no length: let Werkzeug stop reading at the limit.
        request.max_content_length = limit

    def _upload_too_large(self, error: Exception) -> Any:
        flash(_too_large_message(), "error")
        return redirect(url_for(f"{self.endpoint}.index"), code=303)

    # -- helpers ---------------------------------------------------------------------------
    @property
    def session(self) -> Any:
        return iris_state().session

    def _run_or_404(self, run_id: int) -> ImportRun:
        run = self.session.get(ImportRun, run_id)
        if run is None:
            abort(404)
        if not may_use_mode(run.mode):
            abort(403)
        return run

    def _config(self, key: str) -> Any:
        return current_app.config[key]

    def _form(self) -> UploadForm:
        form = UploadForm()
        form.mode.choices = [(mode, str(MODE_LABELS[mode])) for mode in allowed_modes()]
        if request.method == "GET" and form.mode.data not in allowed_modes():
            form.mode.data = allowed_modes()[0]
        return form

    def _recent_runs(self, limit: int) -> list[ImportRun]:
        query = (
            select(ImportRun)
            .where(ImportRun.status.notin_((RunStatus.DISCARDED.value,)))
            .order_by(ImportRun.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(query))

    # -- upload ----------------------------------------------------------------------------
    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        form = self._form()
        if request.method == "POST":
            if request.form.get("mode") in MODE_LABELS and not may_use_mode(request.form["mode"]):
                abort(403)
            if form.validate_on_submit():
                return self._upload(form)
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "error")
        return self.render(
            "iris_admin/import_upload.html",
            form=form,
            modes=allowed_modes(),
            mode_labels=MODE_LABELS,
            mode_help=MODE_HELP,
            can_export=has_permission(IMPORT),
            recent=self._recent_runs(5),
            status_label=status_label,
            notes=explanation_notes(),
            max_mb=_max_mb(),
        )

    def _upload(self, form: UploadForm) -> Any:
        mode = form.mode.data
        if not may_use_mode(mode):
            abort(403)
        upload = form.file.data
        file_name = (upload.filename or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        limit = int(self._config("IRIS_IMPORT_MAX_BYTES"))
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            flash(_too_large_message(), "error")
            return redirect(self.get_url(".index"), code=303)
        session = self.session
        purge_old(session, keep_days=int(self._config("IRIS_IMPORT_KEEP_DAYS")))
        locale = str(get_locale() or "")
        run = create_run(
            session,
            mode=ImportMode(mode),
            file_name=file_name,
            file_size=len(data),
            ttl_seconds=int(self._config("IRIS_IMPORT_PREVIEW_TTL")),
            user=current_user._get_current_object(),
            locale=locale,
            upload=data,
        )
        try:
            with jobs.working_on(run.id):
                plan_run(
                    session,
                    run,
                    data,
                    jobs.read_options(),
                    row_limit=int(self._config("IRIS_IMPORT_BACKGROUND_ROWS")),
                )
        except TooManyRowsForRequest:
            run.worker = worker_id()
            session.commit()
            jobs.start_plan(current_flask_app(), run.id, locale)
        except Exception:
            flash(
                _(
                    "The file could not be processed because of an internal error. Nothing "
                    "was changed."
                ),
                "error",
            )
            return redirect(self.get_url(".index"), code=303)
        return redirect(self.get_url(".run", run_id=run.id), code=303)

    # -- one run: progress, preview, result ---------------------------------------------
    @expose("/<int:run_id>/")
    def run(self, run_id: int) -> Any:
        run = self._run_or_404(run_id)
        mark_stale_failed(
            self.session,
            run,
            stale_seconds=int(self._config("IRIS_IMPORT_STALE_SECONDS")),
            alive=jobs.is_running_here,
        )
        if run.status in (RunStatus.PLANNING.value, RunStatus.APPLYING.value):
            return self.render(
                "iris_admin/import_progress.html",
                run=run,
                progress=self._progress(run),
                status_label=status_label,
            )
        if run.status == RunStatus.READY.value and run.expires_at and run.expires_at <= _now():
            from ..importing.store import expire_run

            expire_run(self.session, run)
        return self._render_plan(run)

    def _render_plan(self, run: ImportRun) -> Any:
        has_rows = run.status in (RunStatus.READY.value, RunStatus.APPLIED.value)
        default_filter = "errors" if run.count("error") or run.count("skip") else "changes"
        if run.status == RunStatus.APPLIED.value and not (run.count("error") or run.count("skip")):
            default_filter = "changes"
        current = request.args.get("filter", default_filter)
        if current not in FILTERS:
            current = default_filter
        per_page = int(self._config("IRIS_IMPORT_PAGE_SIZE"))
        page = max(request.args.get("page", 0, type=int), 0)
        counts = {
            name: sum(run.count(status) for status in statuses)
            for name, statuses in FILTERS.items()
        }
        rows: list[RowResult] = []
        pages = 0
        if has_rows:
            total = counts[current]
            pages = max(1, math.ceil(total / per_page))
            page = min(page, pages - 1)
            rows = page_rows(self.session, run.id, FILTERS[current], page=page, per_page=per_page)
        statuses = dict(self.session.execute(select(CustomerStatus.id, CustomerStatus.name)).all())
        custom_labels = CustomColumns.load(self.session).labels
        changes = sum(run.count(status) for status in ("new", "update", "delete"))
        template = (
            "iris_admin/import_result.html"
            if run.status == RunStatus.APPLIED.value
            else "iris_admin/import_preview.html"
        )
        return self.render(
            template,
            run=run,
            rows=rows,
            describe=lambda row: describe_row(row, statuses, custom_labels),
            counts=counts,
            filters=[name for name in FILTERS if name != "missing" or run.mode == "all"],
            filter_labels=FILTER_LABELS,
            current_filter=current,
            page=page,
            pages=pages,
            changes=changes,
            status_labels=STATUS_LABELS,
            status_badges=STATUS_BADGES,
            mode_labels=MODE_LABELS,
            status_label=status_label,
            can_confirm=(
                run.status == RunStatus.READY.value and not run.has_errors and changes > 0
            ),
        )

    def _progress(self, run: ImportRun) -> dict[str, Any]:
        done, total = run.progress_done or 0, run.progress_total
        live = jobs.live_progress(run.id)
        if live is not None and (live.phase == run.phase or run.status == "applying"):
            done, total = live.done, live.total
        percent = int(100 * done / total) if total else None
        return {
            "status": run.status,
            "status_label": status_label(run.status),
            "phase": run.phase,
            "done": done,
            "total": total,
            "percent": percent,
            "finished": run.status not in (RunStatus.PLANNING.value, RunStatus.APPLYING.value),
        }

    @expose("/<int:run_id>/progress")
    def progress(self, run_id: int) -> Any:
        run = self._run_or_404(run_id)
        mark_stale_failed(
            self.session,
            run,
            stale_seconds=int(self._config("IRIS_IMPORT_STALE_SECONDS")),
            alive=jobs.is_running_here,
        )
        response = jsonify(self._progress(run))
        response.headers["Cache-Control"] = "no-store"
        return response

    # -- confirm / discard -----------------------------------------------------------------
    @expose("/<int:run_id>/confirm", methods=("POST",))
    def confirm(self, run_id: int) -> Any:
        run = self._run_or_404(run_id)
        back = redirect(self.get_url(".run", run_id=run.id), code=303)
        if run.status != RunStatus.READY.value:
            flash(
                _(
                    "This import is not waiting for confirmation (it is %(status)s).",
                    status=status_label(run.status),
                ),
                "error",
            )
            return back
        if run.has_errors:
            flash(_("The preview has errors; fix the file and upload it again."), "error")
            return back
        if run.mode == ImportMode.DELETE.value:
            typed = (request.form.get("confirm_count") or "").strip().replace(".", "")
            typed = typed.replace(",", "")
            if typed != str(run.count("delete")):
                flash(
                    _(
                        "Type the number of customers to delete (%(count)d) to confirm.",
                        count=run.count("delete"),
                    ),
                    "error",
                )
                return back
        refusal = claim_for_apply(self.session, run)
        if refusal:
            flash(refusal, "error")
            return back
        changes = sum(run.count(status) for status in ("new", "update", "delete"))
        locale = str(get_locale() or "")
        if changes > int(self._config("IRIS_IMPORT_BACKGROUND_ROWS")):
            jobs.start_apply(current_flask_app(), run.id, locale)
            return back
        try:
            with jobs.working_on(run.id):
                apply_run(self.session, run.id, batch_size=jobs.read_options().batch_size)
        except ApplyFailed as exc:
            flash(str(exc), "error")
        return back

    @expose("/<int:run_id>/discard", methods=("POST",))
    def discard(self, run_id: int) -> Any:
        run = self._run_or_404(run_id)
        if discard_run(self.session, run):
            flash(_("The preview was discarded; nothing was changed."), "info")
        return redirect(self.get_url(".index"), code=303)

    # -- downloads -------------------------------------------------------------------------
    @expose("/<int:run_id>/errors.xlsx")
    def errors_file(self, run_id: int) -> Any:
        """The uploaded rows with a column saying what is wrong, to fix and upload again."""
        run = self._run_or_404(run_id)
        if run.status not in (RunStatus.READY.value, RunStatus.APPLIED.value):
            abort(404)
        upload = self.session.scalar(select(ImportRun.upload).where(ImportRun.id == run.id))
        if upload is None:  # purged with the plan's rows
            abort(404)
        rows = annotated_rows(
            self.session, run.id, upload, run.file_name, jobs.read_options(), header=run.header
        )
        out = io.BytesIO()
        write_annotated_xlsx(out, run.header, rows)
        return self._send(out, _download_name(run.file_name, "errors", "xlsx"), XLSX_MIME)

    @expose("/<int:run_id>/missing.xlsx")
    def missing_file(self, run_id: int) -> Any:
        """Mode all: the customers not in the file, in template columns."""
        run = self._run_or_404(run_id)
        if run.mode != ImportMode.ALL.value or run.status not in (
            RunStatus.READY.value,
            RunStatus.APPLIED.value,
        ):
            abort(404)
        out = io.BytesIO()
        export_customers(self.session, out, "xlsx", ids_query=missing_ids_query(run.id))
        return self._send(out, _download_name(run.file_name, "missing", "xlsx"), XLSX_MIME)

    @expose("/template.xlsx")
    def template(self) -> Any:
        out = io.BytesIO()
        write_template(self.session, out)
        return self._send(out, "customers-template.xlsx", XLSX_MIME)

    @expose("/export.<string:file_format>")
    def export(self, file_format: str) -> Any:
        if not has_permission(IMPORT):
            abort(403)
        if file_format not in ("xlsx", "csv"):
            abort(404)
        out = io.BytesIO()
        export_customers(
            self.session, out, file_format, csv_delimiter=self._config("IRIS_EXPORT_CSV_DELIMITER")
        )
        stamp = _now().strftime("%Y-%m-%d")
        return self._send(
            out,
            f"customers-{stamp}.{file_format}",
            XLSX_MIME if file_format == "xlsx" else CSV_MIME,
        )

    @staticmethod
    def _send(out: io.BytesIO, name: str, mime: str) -> Any:
        out.seek(0)
        response = send_file(out, mimetype=mime, as_attachment=True, download_name=name)
        response.headers["Cache-Control"] = "no-store"
        return response

    # -- history ----------------------------------------------------------------------------
    @expose("/history/")
    def history(self) -> Any:
        per_page = 50
        page = max(request.args.get("page", 0, type=int), 0)
        visible = (
            RunStatus.APPLIED.value,
            RunStatus.FAILED.value,
            RunStatus.READY.value,
            RunStatus.PLANNING.value,
            RunStatus.APPLYING.value,
            RunStatus.EXPIRED.value,
        )
        total = (
            self.session.scalar(
                select(func.count()).select_from(ImportRun).where(ImportRun.status.in_(visible))
            )
            or 0
        )
        runs = list(
            self.session.scalars(
                select(ImportRun)
                .where(ImportRun.status.in_(visible))
                .order_by(ImportRun.id.desc())
                .limit(per_page)
                .offset(page * per_page)
            )
        )
        return self.render(
            "iris_admin/import_history.html",
            runs=runs,
            page=page,
            pages=max(1, math.ceil(total / per_page)),
            status_label=status_label,
            mode_labels=MODE_LABELS,
            may_open=lambda run: may_use_mode(run.mode),
        )


def describe_row(
    row: RowResult, statuses: dict[int, str], custom_labels: dict[str, str] | None = None
) -> list[str]:
    """What a row does, as short lines: "Email: old → new", or its problems."""
    if row.messages:
        lines = []
        for message in row.messages:
            where = f"{message.column}: " if message.column else ""
            shown = f" ({message.value})" if message.value not in (None, "") else ""
            lines.append(f"{where}{message.message}{shown}")
        return lines
    if row.status is RowStatus.UPDATE:
        return [
            f"{field_label(name, custom_labels)}: {_shown(old)} → {_shown(new)}"
            for name, (old, new) in row.changes.items()
        ]
    if row.status is RowStatus.NEW:
        lines = []
        for name in VALUE_FIELDS:
            if name in ("code", "name"):
                continue
            value = row.values.get(name)
            if name == "default_payer_id":
                value = row.values.get("default_payer_label") or value
            elif name == "status_id":
                value = statuses.get(value) if value is not None else None
            elif name == "is_business":
                value = _("yes") if value else _("no")
            if value not in (None, ""):
                lines.append(f"{field_label(name)}: {value}")
        # Custom field values of a new customer are in its changes, as (None, new).
        lines += [
            f"{field_label(name, custom_labels)}: {new}"
            for name, (_old, new) in row.changes.items()
            if is_custom_key(name)
        ]
        return lines
    return []


def _shown(value: Any) -> str:
    return "∅" if value in (None, "") else str(value)


def _import_url() -> str | None:
    """The import page's URL for the "Import customers" button, when the user may import."""
    if not (has_permission(IMPORT) or has_permission(IMPORT_DELETE)):
        return None
    view = iris_state().views.get("import")
    return url_for(f"{view.endpoint}.index") if view is not None else None


def _too_large_message() -> str:
    return _(
        "The file is larger than the maximum of %(size)s MB; nothing was read. Split it "
        "into smaller files.",
        size=_max_mb(),
    )


def _max_mb() -> str:
    size = int(current_app.config["IRIS_IMPORT_MAX_BYTES"]) / (1024 * 1024)
    return f"{size:g}"


def _download_name(file_name: str, suffix: str, extension: str) -> str:
    stem = file_name.rsplit(".", 1)[0] or "import"
    return f"{stem}-{suffix}.{extension}"


def _now() -> datetime:
    from ..models.base import utcnow

    return utcnow()
