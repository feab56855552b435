"""Base views. Every page that shows or changes business records derives from `ScopedMixin`,
which restricts the queryset to the viewer's scope before any handler runs (404 outside it) and
checks the role's model permission for the action (403 without it). An architecture test
(core/tests/test_architecture.py) fails when a URL's view does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from shanzhi.core import masking, services
from shanzhi.core.errors import ConflictError, ValidationError
from shanzhi.core.excel import xlsx_response
from shanzhi.core.models import AuditEvent
from shanzhi.core.params import SEARCH_MAX, int_param
from shanzhi.core.scoping import ADD, CHANGE, DELETE, VIEW


def file_response(file, *, missing: str, content_type: str = "", as_attachment: bool = False):
    """A stored file as a download; 404 with `missing` when the row outlived its file (a
    database restored without its media) — opening it raised, a 500."""
    from django.http import FileResponse

    try:
        handle = file.open("rb")
    except (OSError, ValueError):  # no such file; ValueError: the field has no file at all
        raise Http404(missing) from None
    return FileResponse(
        handle,
        content_type=content_type or None,
        as_attachment=as_attachment,
        filename=file.name.rsplit("/", 1)[-1] if as_attachment else "",
    )


@dataclass(frozen=True)
class Column:
    """One column of a list page and its Excel export."""

    attr: str | Callable[[Any], Any]
    label: str
    link: bool = False
    personal: str | None = None  # "phone" / "id" / "name": masked without the permission
    on_page: bool = True  # False: in the Excel export only (keeps a wide list within the page)

    def header(self) -> str:
        return str(self.label)


def resolve_attr(obj: Any, attr: str | Callable) -> Any:
    if callable(attr):
        return attr(obj)
    value = obj
    for part in attr.split("."):
        if value is None:
            return None
        display = getattr(value, f"get_{part}_display", None)
        value = display() if display else getattr(value, part, None)
        if callable(value) and not hasattr(value, "all"):
            value = value()
    return value


def mask_value(value: Any, kind: str | None) -> Any:
    if not kind or not value:
        return value
    return {"phone": masking.mask_phone, "id": masking.mask_id_number, "name": masking.mask_name}[kind](value)


class ScopedMixin(LoginRequiredMixin):
    """Restrict to the viewer's scope and require the model permission for `scope_action`."""

    model = None
    scope_action = VIEW
    permission_required: str | None = None  # default: <app>.<action>_<model>
    # False for rows every signed-in user holds some of (their own inbox): the scope alone decides.
    require_model_permission = True

    def get_permission_required(self) -> str | None:
        if not self.require_model_permission:
            return None
        if self.permission_required:
            return self.permission_required
        meta = self.model._meta
        return f"{meta.app_label}.{self.scope_action}_{meta.model_name}"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        perm = self.get_permission_required()
        if perm and not request.user.has_perm(perm):
            raise PermissionDenied(_("Your role may not do this."))
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        return self.get_base_queryset().restrict(self.request.user, self.scope_action)

    @property
    def can_see_personal(self) -> bool:
        return masking.can_see_personal_data(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meta = self.model._meta
        ctx.setdefault("model_meta", meta)
        ctx["verbose_name"] = meta.verbose_name
        ctx["verbose_name_plural"] = capfirst(meta.verbose_name_plural)  # a heading, in English too
        user = self.request.user
        ctx["can_add"] = user.has_perm(f"{meta.app_label}.add_{meta.model_name}")
        ctx["can_change"] = user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
        ctx["can_delete"] = user.has_perm(f"{meta.app_label}.delete_{meta.model_name}")
        ctx["url_prefix"] = self.url_prefix()
        return ctx

    def url_prefix(self) -> str:
        meta = self.model._meta
        return f"{meta.app_label}:{meta.model_name}"

    def url_for(self, suffix: str, *args) -> str | None:
        try:
            return reverse(f"{self.url_prefix()}_{suffix}", args=args)
        except NoReverseMatch:
            return None


class ScopedFileView(ScopedMixin, generic.View):
    """One stored file of a row the viewer may see (`file_field`), served by the application:
    uploads are never public under /media, where anyone who guessed a name could read them."""

    file_field = "file"
    content_type_field: str | None = None  # a column holding the file's content type, if any
    as_attachment = False
    missing = gettext_lazy("The file is missing.")

    def get(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        content_type = getattr(obj, self.content_type_field) if self.content_type_field else ""
        return file_response(
            getattr(obj, self.file_field),
            missing=str(self.missing),
            content_type=content_type,
            as_attachment=self.as_attachment,
        )


class ObjectListView(ScopedMixin, generic.ListView):
    """A filtered, searchable, paginated list that exports to Excel with the same filters."""

    columns: list[Column] = []
    filterset_class = None
    search_fields: tuple[str, ...] = ()
    paginate_by = 50
    template_name = "core/object_list.html"
    export_name: str | None = None
    import_url_name: str | None = None

    def get_filtered_queryset(self):
        qs = self.get_queryset()
        # (PostgreSQL's text cannot hold a NUL, and SQLite refuses a LIKE pattern of 50,000
        # bytes: either was a 500; nobody searches for a paragraph.)
        q = self.request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX]
        if q and self.search_fields:
            qs = qs.filter(self.search_condition(q))
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            if self.filterset.is_bound and not self.filterset.is_valid():
                return qs.none()
            qs = self.filterset.qs
        return qs

    def search_condition(self, q: str) -> Q:
        """What the search box finds: rows with the text in any of `search_fields`."""
        cond = Q()
        for f in self.search_fields:
            cond |= Q(**{f"{f}__icontains": q})
        return cond

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export_xlsx()
        return super().get(request, *args, **kwargs)

    def list_queryset(self):
        return self.get_filtered_queryset()

    def paginate_queryset(self, queryset, page_size):
        # Pages need an order, or a row can show on two pages or on none: newest first unless
        # the model or the view orders it.
        if isinstance(queryset, QuerySet) and not queryset.ordered:
            queryset = queryset.order_by("-pk")
        # A number past the end (an old link) shows the last page, one that is not a number
        # the first: not a 404.
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(), allow_empty_first_page=self.get_allow_empty()
        )
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        self.object_list = self.list_queryset()
        ctx = super().get_context_data(object_list=self.object_list, **kwargs)
        shown = [c for c in self.columns if c.on_page]
        ctx["columns"] = shown
        ctx["rows"] = [(obj, [self.render_cell(obj, col) for col in shown]) for obj in ctx["object_list"]]
        ctx["filterset"] = getattr(self, "filterset", None)
        ctx["search_enabled"] = bool(self.search_fields)
        ctx["q"] = self.request.GET.get("q", "")
        params = self.request.GET.copy()
        params.pop("page", None)
        params["export"] = "xlsx"
        ctx["export_query"] = params.urlencode()
        params.pop("export")
        ctx["page_query"] = params.urlencode()
        ctx["create_url"] = self.url_for("add") if ctx["can_add"] else None
        ctx["import_url"] = self.import_url(ctx["can_add"])
        return ctx

    def import_url(self, can_add: bool) -> str | None:
        """The import page's address for a user whom that page lets in: an import may ask more
        than adding one record (cases: a leader's permission), and a link to a 403 is no use."""
        if not self.import_url_name:
            return None
        url = reverse(self.import_url_name)
        match = resolve(url)
        view_class = getattr(match.func, "view_class", None)
        if view_class is None or not issubclass(view_class, ScopedMixin):
            return url if can_add else None
        perm = view_class(**match.func.view_initkwargs).get_permission_required()
        return url if perm is None or self.request.user.has_perm(perm) else None

    def render_cell(self, obj, col: Column) -> Any:
        value = resolve_attr(obj, col.attr)
        if col.personal and not self.can_see_personal:
            value = mask_value(value, col.personal)
        return value

    def export_xlsx(self):
        qs = self.get_filtered_queryset()
        if self.filterset is not None and self.filterset.is_bound and not self.filterset.is_valid():
            # A filter that cannot be read gave an empty file: show the page with its errors.
            return super().get(self.request)
        headers = [c.header() for c in self.columns]
        rows = ([self.render_cell(obj, c) for c in self.columns] for obj in qs.iterator(chunk_size=2000))
        services.audit_log(
            actor=self.request.user,
            action=AuditEvent.Action.EXPORT,
            model=self.model,
            note=self.request.GET.urlencode(),
        )
        name = self.export_name or str(self.model._meta.verbose_name_plural)
        return xlsx_response(headers, rows, filename=name)


class ObjectDetailView(ScopedMixin, generic.DetailView):
    template_name = "core/object_detail.html"
    fields: list[Column] | None = None  # default: the model's editable fields

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("Not found, or outside your scope.")) from None

    def detail_fields(self) -> list[Column]:
        if self.fields is not None:
            return self.fields
        personal = set(getattr(self.model, "personal_fields", ()))
        cols = []
        for f in self.model._meta.concrete_fields:
            if f.name in {"id", "is_deleted", "deleted_at", "deleted_by", "version", "boundary"} or (
                not f.editable and f.name not in {"created_at", "updated_at"}
            ):
                continue
            kind = None
            if f.name in personal:
                kind = "id" if "id_number" in f.name else "phone"
            cols.append(Column(f.name, f.verbose_name, personal=kind))
        return cols

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        unmasked = self.can_see_personal
        items = []
        showed_personal = False
        for col in self.detail_fields():
            value = resolve_attr(obj, col.attr)
            if col.personal and value:
                if unmasked:
                    showed_personal = True
                else:
                    value = mask_value(value, col.personal)
            items.append((col.label, value))
        if showed_personal:
            services.audit_log(actor=self.request.user, action=AuditEvent.Action.VIEW_PERSONAL, obj=obj)
        ctx["items"] = items
        ctx["edit_url"] = self.url_for("edit", obj.pk) if ctx["can_change"] else None
        ctx["delete_url"] = self.url_for("delete", obj.pk) if ctx["can_delete"] else None
        ctx["list_url"] = self.url_for("list")
        ctx["history"] = (
            AuditEvent.objects.filter(
                content_type__app_label=obj._meta.app_label,
                content_type__model=obj._meta.model_name,
                object_id=str(obj.pk),
            ).select_related("actor")[:50]
            if self.request.user.role in ("admin", "leader") or self.request.user.is_superuser
            else None
        )
        return ctx


class ServiceFormMixin:
    """Create and edit through the generic services (audited, validated, atomic)."""

    template_name = "core/object_form.html"

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.save_form(form)
                self.check_still_in_scope(self.object)
        except ConflictError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(self.get_success_url())

    def check_still_in_scope(self, obj) -> None:
        """A user may not move a record out of the scope they hold (e.g. into another grid)."""
        if not type(obj).objects.filter(pk=obj.pk).restrict(self.request.user, CHANGE).exists():
            raise ValidationError(_("You cannot place this record outside your own scope."))

    def get_success_url(self):
        url = self.url_for("detail", self.object.pk)
        return url or self.url_for("list") or "/"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self.get_form_class(), "wants_request", False):
            kwargs["request"] = self.request
        return kwargs


class ObjectCreateView(ScopedMixin, ServiceFormMixin, generic.CreateView):
    scope_action = ADD

    def get_object(self, queryset=None):
        return None

    def save_form(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k in {f.name for f in self.model._meta.concrete_fields}}
        m2m = {f.name: form.cleaned_data[f.name] for f in self.model._meta.many_to_many if f.name in form.cleaned_data}
        data.update(self.extra_create_fields())
        return services.record_create(self.model, actor=self.request.user, m2m=m2m, **data)

    def extra_create_fields(self) -> dict:
        return {}


class ObjectUpdateView(ScopedMixin, ServiceFormMixin, generic.UpdateView):
    scope_action = CHANGE

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("Not found, or outside your scope.")) from None

    def save_form(self, form):
        concrete = {f.name for f in self.model._meta.concrete_fields}
        data = {k: v for k, v in form.cleaned_data.items() if k in concrete}
        m2m = {f.name: form.cleaned_data[f.name] for f in self.model._meta.many_to_many if f.name in form.cleaned_data}
        version = self.request.POST.get("_version")
        return services.record_update(
            self.get_object(),
            actor=self.request.user,
            m2m=m2m,
            expected_version=int_param(version),
            **data,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["version"] = self.object.version
        return ctx


class ObjectDeleteView(ScopedMixin, generic.DetailView):
    """Soft deletion with a reason; the row stays and the audit log says who and why."""

    scope_action = DELETE
    template_name = "core/object_confirm_delete.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # What deleting it does, if the model says (`deletion_consequences()` → sentences):
        # e.g. open cases that keep a category intake no longer offers.
        consequences = getattr(self.object, "deletion_consequences", None)
        ctx["consequences"] = consequences() if callable(consequences) else []
        return ctx

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, _("Give a reason for the deletion."))
            return redirect(request.path)
        try:
            services.soft_delete(obj, actor=request.user, reason=reason)
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        messages.success(request, _("Deleted. The record is kept in the audit log and can be restored."))
        return HttpResponseRedirect(self.url_for("list") or "/")


def field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
