from django.urls import path

from shanzhi.core.urls_helpers import crud_paths
from shanzhi.projects import views as v

app_name = "projects"
urlpatterns = [
    *crud_paths(
        "library",
        "project",
        list_view=v.ProjectList,
        detail_view=v.ProjectDetail,
        create_view=v.ProjectCreate,
        update_view=v.ProjectUpdate,
        delete_view=v.ProjectDelete,
    ),
    path("library/<int:pk>/move/", v.ProjectMoveStage.as_view(), name="project_move"),
    path("library/<int:pk>/progress/", v.ProjectProgress.as_view(), name="project_progress"),
    path("library/<int:pk>/plan/", v.ProjectPlan.as_view(), name="project_plan"),
    path("library/<int:pk>/blockers/add/", v.BlockerRaise.as_view(), name="blocker_add"),
    path("library/<int:pk>/milestones/add/", v.MilestoneAdd.as_view(), name="milestone_add"),
    path("milestones/<int:pk>/done/", v.MilestoneDone.as_view(), name="milestone_done"),
    path("library/import/", v.ProgressImport.as_view(), name="progress_import"),
    path("board/", v.ProjectBoard.as_view(), name="board"),
    *crud_paths("blockers", "blocker", list_view=v.BlockerList, detail_view=v.BlockerDetail),
    path("blockers/<int:pk>/resolve/", v.BlockerResolve.as_view(), name="blocker_resolve"),
    *crud_paths(
        "leads",
        "lead",
        list_view=v.LeadList,
        detail_view=v.LeadDetail,
        create_view=v.LeadCreate,
        update_view=v.LeadUpdate,
        delete_view=v.LeadDelete,
    ),
    path("leads/<int:pk>/log/", v.LeadLogActivity.as_view(), name="lead_log"),
    path("leads/<int:pk>/move/", v.LeadMove.as_view(), name="lead_move"),
    path("chains/map/", v.ChainMap.as_view(), name="chain_map"),
    *crud_paths(
        "chains",
        "industrychain",
        list_view=v.IndustryChainList,
        detail_view=v.IndustryChainDetail,
        create_view=v.IndustryChainCreate,
        update_view=v.IndustryChainUpdate,
    ),
    *crud_paths(
        "chain-links",
        "chainlink",
        list_view=v.ChainLinkList,
        detail_view=v.ChainLinkDetail,
        create_view=v.ChainLinkCreate,
        update_view=v.ChainLinkUpdate,
    ),
    path("renewal/", v.RenewalOverview.as_view(), name="renewal"),
    *crud_paths(
        "parcels",
        "parcel",
        list_view=v.ParcelList,
        detail_view=v.ParcelDetail,
        create_view=v.ParcelCreate,
        update_view=v.ParcelUpdate,
        delete_view=v.ParcelDelete,
    ),
    path("parcels/<int:pk>/move/", v.ParcelMove.as_view(), name="parcel_move"),
    path("livelihood/", v.LivelihoodOverview.as_view(), name="livelihood"),
    *crud_paths("proposals", "proposal", list_view=v.ProposalList, detail_view=v.ProposalDetail),
    path("proposals/<int:pk>/answer/", v.ProposalAnswer.as_view(), name="proposal_answer"),
    path("proposals/<int:pk>/project/", v.ProposalToProject.as_view(), name="proposal_project"),
    # Public pages (no login).
    path("public/livelihood/", v.PublicLivelihood.as_view(), name="public_livelihood"),
    path("public/proposals/", v.PublicProposals.as_view(), name="public_proposals"),
    path("public/proposals/<int:pk>/vote/", v.PublicProposalVote.as_view(), name="public_proposal_vote"),
]
