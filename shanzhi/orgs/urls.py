from django.urls import path

from shanzhi.core.urls_helpers import crud_paths
from shanzhi.orgs import views as v

app_name = "orgs"
urlpatterns = [
    *crud_paths(
        "departments",
        "department",
        list_view=v.DepartmentList,
        detail_view=v.DepartmentDetail,
        create_view=v.DepartmentCreate,
        update_view=v.DepartmentUpdate,
        delete_view=v.DepartmentDelete,
    ),
    *crud_paths(
        "communities",
        "community",
        list_view=v.CommunityList,
        detail_view=v.CommunityDetail,
        create_view=v.CommunityCreate,
        update_view=v.CommunityUpdate,
        delete_view=v.CommunityDelete,
    ),
    *crud_paths(
        "grids",
        "grid",
        list_view=v.GridList,
        detail_view=v.GridDetail,
        create_view=v.GridCreate,
        update_view=v.GridUpdate,
        delete_view=v.GridDelete,
    ),
    *crud_paths(
        "grid-workers",
        "gridassignment",
        list_view=v.GridAssignmentList,
        detail_view=v.GridAssignmentDetail,
        create_view=v.GridAssignmentCreate,
        delete_view=v.GridAssignmentDelete,
    ),
    *crud_paths(
        "enterprises",
        "enterprise",
        list_view=v.EnterpriseList,
        detail_view=v.EnterpriseDetail,
        create_view=v.EnterpriseCreate,
        update_view=v.EnterpriseUpdate,
        delete_view=v.EnterpriseDelete,
    ),
    *crud_paths(
        "party-organisations",
        "partyorganization",
        list_view=v.PartyOrganizationList,
        detail_view=v.PartyOrganizationDetail,
        create_view=v.PartyOrganizationCreate,
        update_view=v.PartyOrganizationUpdate,
        delete_view=v.PartyOrganizationDelete,
    ),
    *crud_paths(
        "party-members",
        "partymember",
        list_view=v.PartyMemberList,
        detail_view=v.PartyMemberDetail,
        create_view=v.PartyMemberCreate,
        update_view=v.PartyMemberUpdate,
        delete_view=v.PartyMemberDelete,
    ),
    *crud_paths(
        "volunteers",
        "volunteer",
        list_view=v.VolunteerList,
        detail_view=v.VolunteerDetail,
        create_view=v.VolunteerCreate,
        update_view=v.VolunteerUpdate,
        delete_view=v.VolunteerDelete,
    ),
    path("map/", v.MapView.as_view(), name="map"),
    path("map/data.json", v.MapDataView.as_view(), name="map_data"),
    path("import/geojson/", v.GeoJSONImportView.as_view(), name="import_geojson"),
    path("import/table/", v.TableImportView.as_view(), name="import_table"),
]
