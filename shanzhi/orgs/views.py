from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from shanzhi.core.errors import ImportRowError
from shanzhi.core.excel import TableReadError, read_table
from shanzhi.core.scoping import ADD, VIEW
from shanzhi.core.views import (
    Column,
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectListView,
    ObjectUpdateView,
    ScopedMixin,
)
from shanzhi.orgs import filtersets, forms, selectors, services
from shanzhi.orgs.models import (
    Community,
    Department,
    Enterprise,
    Grid,
    GridAssignment,
    PartyMember,
    PartyOrganization,
    Volunteer,
)

# ----------------------------------------------------------------------------- departments


class DepartmentList(ObjectListView):
    model = Department
    filterset_class = filtersets.DepartmentFilterSet
    search_fields = ("name", "code", "duties")
    columns = [
        Column("code", gettext_lazy("code")),
        Column("name", gettext_lazy("name"), link=True),
        Column("kind", gettext_lazy("kind")),
        Column("phone", gettext_lazy("phone")),
        Column("leader", gettext_lazy("responsible leader")),
        Column("staff_count", gettext_lazy("staff")),
    ]

    def get_base_queryset(self):
        return (
            Department.objects.select_related("leader")
            .annotate(staff_count=Count("staff", distinct=True))
            .order_by("sort_order", "code")
        )


class DepartmentDetail(ObjectDetailView):
    model = Department


class DepartmentCreate(ObjectCreateView):
    model = Department
    form_class = forms.DepartmentForm


class DepartmentUpdate(ObjectUpdateView):
    model = Department
    form_class = forms.DepartmentForm


class DepartmentDelete(ObjectDeleteView):
    model = Department


# ----------------------------------------------------------------------------- communities


class CommunityList(ObjectListView):
    model = Community
    search_fields = ("name", "code")
    columns = [
        Column("code", gettext_lazy("statistical code")),
        Column("name", gettext_lazy("name"), link=True),
        Column("grid_count", gettext_lazy("grids")),
        Column("households_total", gettext_lazy("households")),
        Column("population", gettext_lazy("population")),
        Column("is_generated", gettext_lazy("generated demo data")),
    ]

    def get_base_queryset(self):
        return Community.objects.annotate(
            grid_count=Count("grids", filter=Q(grids__is_deleted=False), distinct=True),
            households_total=Sum("grids__households", filter=Q(grids__is_deleted=False)),
        ).order_by("code")


class CommunityDetail(ObjectDetailView):
    model = Community
    template_name = "orgs/community_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["grids"] = Grid.objects.restrict(self.request.user).filter(community=self.object)
        return ctx


class CommunityCreate(ObjectCreateView):
    model = Community
    form_class = forms.CommunityForm


class CommunityUpdate(ObjectUpdateView):
    model = Community
    form_class = forms.CommunityForm


class CommunityDelete(ObjectDeleteView):
    model = Community


# ----------------------------------------------------------------------------- grids


class GridList(ObjectListView):
    model = Grid
    filterset_class = filtersets.GridFilterSet
    search_fields = ("name", "code")
    columns = [
        Column("code", gettext_lazy("code")),
        Column("name", gettext_lazy("name"), link=True),
        Column("community", gettext_lazy("community")),
        Column("households", gettext_lazy("households")),
        Column(lambda g: g.worker_names, gettext_lazy("grid workers")),
        Column("is_generated", gettext_lazy("generated demo data")),
    ]

    def get_base_queryset(self):
        return Grid.objects.select_related("community").prefetch_related("assignments__user")

    def render_cell(self, obj, col):
        if col.label == gettext_lazy("grid workers"):
            return "、".join(str(a.user) for a in obj.assignments.all() if not a.is_deleted)
        return super().render_cell(obj, col)


class GridDetail(ObjectDetailView):
    model = Grid
    template_name = "orgs/grid_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["assignments"] = self.object.assignments.filter(is_deleted=False).select_related("user")
        ctx["enterprise_count"] = Enterprise.objects.restrict(self.request.user).filter(grid=self.object).count()
        ctx["boundary_json"] = json.dumps(self.object.boundary) if self.object.boundary else ""
        return ctx


class GridCreate(ObjectCreateView):
    model = Grid
    form_class = forms.GridForm

    def form_valid(self, form):
        response = super().form_valid(form)
        _warn_overlaps(self.request, getattr(self, "object", None))
        return response


class GridUpdate(ObjectUpdateView):
    model = Grid
    form_class = forms.GridForm

    def form_valid(self, form):
        response = super().form_valid(form)
        _warn_overlaps(self.request, getattr(self, "object", None))
        return response


def _warn_overlaps(request, grid):
    if grid is None or grid.pk is None:
        return
    for a, b, area in services.grid_overlaps(community_ids={grid.community_id}):
        if grid.code in (a, b):
            messages.warning(
                request, _("Grid %(a)s overlaps grid %(b)s by about %(m)d m².") % {"a": a, "b": b, "m": area}
            )


class GridDelete(ObjectDeleteView):
    model = Grid


class GridAssignmentList(ObjectListView):
    model = GridAssignment
    filterset_class = filtersets.GridAssignmentFilterSet
    search_fields = ("user__username", "user__display_name", "grid__name")
    columns = [
        Column("grid", gettext_lazy("grid"), link=True),
        Column("grid.community", gettext_lazy("community")),
        Column("user", gettext_lazy("user")),
        Column("role", gettext_lazy("role")),
        Column("user.phone", gettext_lazy("phone"), personal="phone"),
    ]

    def get_base_queryset(self):
        return GridAssignment.objects.select_related("grid__community", "user")


class GridAssignmentDetail(ObjectDetailView):
    model = GridAssignment


class GridAssignmentCreate(ObjectCreateView):
    model = GridAssignment
    form_class = forms.GridAssignmentForm


class GridAssignmentDelete(ObjectDeleteView):
    model = GridAssignment


# ----------------------------------------------------------------------------- enterprises


class EnterpriseList(ObjectListView):
    model = Enterprise
    filterset_class = filtersets.EnterpriseFilterSet
    search_fields = ("name", "uscc", "address", "industry")
    import_url_name = "orgs:import_table"
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("uscc", gettext_lazy("unified social credit code")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("industry", gettext_lazy("industry")),
        Column("size", gettext_lazy("size")),
        Column("contact_name", gettext_lazy("contact person")),
        Column("contact_phone", gettext_lazy("contact phone"), personal="phone"),
    ]

    def get_base_queryset(self):
        return Enterprise.objects.select_related("community", "grid")


class EnterpriseDetail(ObjectDetailView):
    model = Enterprise


class EnterpriseCreate(ObjectCreateView):
    model = Enterprise
    form_class = forms.EnterpriseForm


class EnterpriseUpdate(ObjectUpdateView):
    model = Enterprise
    form_class = forms.EnterpriseForm


class EnterpriseDelete(ObjectDeleteView):
    model = Enterprise


# ----------------------------------------------------------------------------- party, volunteers


class PartyOrganizationList(ObjectListView):
    model = PartyOrganization
    filterset_class = filtersets.PartyOrganizationFilterSet
    search_fields = ("name", "secretary")
    columns = [
        Column("name", gettext_lazy("name"), link=True),
        Column("kind", gettext_lazy("kind")),
        Column("community", gettext_lazy("community")),
        Column("grid", gettext_lazy("grid")),
        Column("secretary", gettext_lazy("secretary")),
    ]

    def get_base_queryset(self):
        return PartyOrganization.objects.select_related("community", "grid")


class PartyOrganizationDetail(ObjectDetailView):
    model = PartyOrganization


class PartyOrganizationCreate(ObjectCreateView):
    model = PartyOrganization
    form_class = forms.PartyOrganizationForm


class PartyOrganizationUpdate(ObjectUpdateView):
    model = PartyOrganization
    form_class = forms.PartyOrganizationForm


class PartyOrganizationDelete(ObjectDeleteView):
    model = PartyOrganization


PERSON_COLUMNS = [
    Column("name", gettext_lazy("name"), link=True),
    Column("phone", gettext_lazy("phone"), personal="phone"),
    Column("id_number", gettext_lazy("ID number"), personal="id"),
    Column("community", gettext_lazy("community")),
    Column("grid", gettext_lazy("grid")),
]


class PartyMemberList(ObjectListView):
    model = PartyMember
    filterset_class = filtersets.PartyMemberFilterSet
    search_fields = ("name",)
    import_url_name = "orgs:import_table"
    columns = [*PERSON_COLUMNS, Column("organization", gettext_lazy("party organisation"))]

    def get_base_queryset(self):
        return PartyMember.objects.select_related("community", "grid", "organization")


class PartyMemberDetail(ObjectDetailView):
    model = PartyMember


class PartyMemberCreate(ObjectCreateView):
    model = PartyMember
    form_class = forms.PartyMemberForm


class PartyMemberUpdate(ObjectUpdateView):
    model = PartyMember
    form_class = forms.PartyMemberForm


class PartyMemberDelete(ObjectDeleteView):
    model = PartyMember


class VolunteerList(ObjectListView):
    model = Volunteer
    filterset_class = filtersets.VolunteerFilterSet
    search_fields = ("name", "skills")
    import_url_name = "orgs:import_table"
    columns = [
        *PERSON_COLUMNS,
        Column("skills", gettext_lazy("skills")),
        Column("service_hours", gettext_lazy("service hours")),
    ]

    def get_base_queryset(self):
        return Volunteer.objects.select_related("community", "grid")


class VolunteerDetail(ObjectDetailView):
    model = Volunteer


class VolunteerCreate(ObjectCreateView):
    model = Volunteer
    form_class = forms.VolunteerForm


class VolunteerUpdate(ObjectUpdateView):
    model = Volunteer
    form_class = forms.VolunteerForm


class VolunteerDelete(ObjectDeleteView):
    model = Volunteer


# ----------------------------------------------------------------------------- map and imports


class MapView(ScopedMixin, generic.TemplateView):
    """Communities and grids drawn from their own polygons (ECharts, no tiles)."""

    model = Grid
    scope_action = VIEW
    template_name = "orgs/map.html"


class MapDataView(ScopedMixin, generic.View):
    model = Grid
    scope_action = VIEW

    def get(self, request):
        from django.http import JsonResponse

        return JsonResponse(selectors.map_geojson(request.user))


class GeoJSONImportView(ScopedMixin, generic.FormView):
    """Import communities (administrators) or grids from a GeoJSON FeatureCollection."""

    model = Grid
    scope_action = ADD
    form_class = forms.GeoJSONImportForm
    template_name = "orgs/import.html"

    def form_valid(self, form):
        kind = form.cleaned_data["kind"]
        raw = form.cleaned_data["file"].read()
        user = self.request.user
        if kind == "communities" and not user.has_perm("orgs.add_community"):
            form.add_error("kind", _("Your role may not import communities."))
            return self.form_invalid(form)
        try:
            if kind == "communities":
                result = services.communities_import_geojson(raw=raw, actor=user)
            else:
                result = services.grids_import_geojson(raw=raw, actor=user, restrict_to_user=user)
        except ImportRowError as exc:
            form.add_error(
                None, _("Nothing was imported. Feature %(row)s: %(reason)s") % {"row": exc.row, "reason": exc.reason}
            )
            return self.form_invalid(form)
        messages.success(
            self.request, _("Imported: %(c)d created, %(u)d updated.") % {"c": result.created, "u": result.updated}
        )
        for a, b, area in result.overlaps or []:
            messages.warning(
                self.request, _("Grid %(a)s overlaps grid %(b)s by about %(m)d m².") % {"a": a, "b": b, "m": area}
            )
        return redirect("orgs:grid_list" if kind == "grids" else "orgs:community_list")


class TableImportView(ScopedMixin, generic.FormView):
    """Import enterprises, party members or volunteers from Excel / CSV, all or nothing."""

    model = Enterprise
    scope_action = ADD
    form_class = forms.TableImportForm
    template_name = "orgs/import.html"

    def form_valid(self, form):
        kind = form.cleaned_data["kind"]
        perm = {
            "enterprise": "orgs.add_enterprise",
            "party_member": "orgs.add_partymember",
            "volunteer": "orgs.add_volunteer",
        }[kind]
        if not self.request.user.has_perm(perm):
            form.add_error("kind", _("Your role may not import these."))
            return self.form_invalid(form)
        try:
            rows = read_table(form.cleaned_data["file"], required=[])
            if kind == "enterprise":
                result = services.enterprises_import(rows=rows, actor=self.request.user)
            else:
                result = services.people_import(rows=rows, kind=kind, actor=self.request.user)
        except TableReadError as exc:
            form.add_error("file", " ".join(exc.messages))
            return self.form_invalid(form)
        except ImportRowError as exc:
            form.add_error(
                None, _("Nothing was imported. Row %(row)s: %(reason)s") % {"row": exc.row, "reason": exc.reason}
            )
            return self.form_invalid(form)
        messages.success(self.request, _("Imported %(n)d rows.") % {"n": result.created})
        target = {
            "enterprise": "orgs:enterprise_list",
            "party_member": "orgs:partymember_list",
            "volunteer": "orgs:volunteer_list",
        }[kind]
        return redirect(target)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns_help"] = services.ENTERPRISE_COLUMNS, services.PEOPLE_COLUMNS
        return ctx


def render_error(request, message):  # pragma: no cover - helper for templates
    return render(request, "core/error.html", {"message": message}, status=400)
