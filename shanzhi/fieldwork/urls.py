from django.urls import path

from shanzhi.core.urls_helpers import crud_paths
from shanzhi.fieldwork import views as v

app_name = "fieldwork"
urlpatterns = [
    # micro-wishes
    path("wall/", v.WishWall.as_view(), name="wish_wall"),
    path("photos/<int:pk>/", v.PhotoView.as_view(), name="photo"),
    *crud_paths("wishes", "wish", list_view=v.WishList, detail_view=v.WishDetail, create_view=v.WishCreate),
    path("wishes/<int:pk>/<slug:action>/", v.WishAction.as_view(), name="wish_action"),
    # disputes
    *crud_paths(
        "disputes", "dispute", list_view=v.DisputeList, detail_view=v.DisputeDetail, create_view=v.DisputeCreate
    ),
    path("disputes/<int:pk>/<slug:action>/", v.DisputeAction.as_view(), name="dispute_action"),
    # patrols
    *crud_paths(
        "checklists",
        "checklist",
        list_view=v.ChecklistList,
        detail_view=v.ChecklistDetail,
        create_view=v.ChecklistCreate,
        update_view=v.ChecklistUpdate,
    ),
    *crud_paths(
        "river-sections",
        "riversection",
        list_view=v.RiverSectionList,
        detail_view=v.RiverSectionDetail,
        create_view=v.RiverSectionCreate,
        update_view=v.RiverSectionUpdate,
    ),
    *crud_paths(
        "patrol-plans",
        "patrolplan",
        list_view=v.PatrolPlanList,
        detail_view=v.PatrolPlanDetail,
        create_view=v.PatrolPlanCreate,
        update_view=v.PatrolPlanUpdate,
        delete_view=v.PatrolPlanDelete,
    ),
    path("patrols/start/", v.PatrolStart.as_view(), name="patrol_start"),
    *crud_paths("patrols", "patrol", list_view=v.PatrolList, detail_view=v.PatrolDetail),
    path("patrols/<int:pk>/<slug:action>/", v.PatrolAction.as_view(), name="patrol_action"),
    *crud_paths("findings", "finding", list_view=v.FindingList, detail_view=v.FindingDetail),
    path("findings/<int:pk>/reinspect/", v.FindingReinspect.as_view(), name="finding_reinspect"),
    path("compliance/", v.ComplianceView.as_view(), name="compliance"),
    *crud_paths(
        "safety",
        "safetyrecord",
        list_view=v.SafetyRecordList,
        detail_view=v.SafetyRecordDetail,
        create_view=v.SafetyRecordCreate,
        update_view=v.SafetyRecordUpdate,
    ),
    *crud_paths(
        "hazards",
        "hazard",
        list_view=v.HazardList,
        detail_view=v.HazardDetail,
        create_view=v.HazardCreate,
        update_view=v.HazardUpdate,
    ),
    # emergencies
    *crud_paths(
        "incidents", "incident", list_view=v.IncidentList, detail_view=v.IncidentDetail, create_view=v.IncidentCreate
    ),
    path("incidents/<int:pk>/<slug:action>/", v.IncidentAction.as_view(), name="incident_action"),
    *crud_paths(
        "alert-chains",
        "alertchain",
        list_view=v.AlertChainList,
        detail_view=v.AlertChainDetail,
        create_view=v.AlertChainCreate,
        update_view=v.AlertChainUpdate,
    ),
    path("alert-chain-steps/add/", v.AlertChainStepCreate.as_view(), name="alertchainstep_add"),
    path("alert-chain-steps/<int:pk>/delete/", v.AlertChainStepDelete.as_view(), name="alertchainstep_delete"),
]
