from rest_framework.routers import DefaultRouter

from shanzhi.projects.api import views

# Basenames carry the app name: URL names of every app's router share one namespace.
router = DefaultRouter()
router.register("projects", views.ProjectViewSet, basename="projects-project")
router.register("months", views.ProjectMonthViewSet, basename="projects-projectmonth")
router.register("milestones", views.MilestoneViewSet, basename="projects-milestone")
router.register("blockers", views.BlockerViewSet, basename="projects-blocker")
router.register("leads", views.LeadViewSet, basename="projects-lead")
router.register("lead-activities", views.LeadActivityViewSet, basename="projects-leadactivity")
router.register("chains", views.IndustryChainViewSet, basename="projects-industrychain")
router.register("chain-links", views.ChainLinkViewSet, basename="projects-chainlink")
router.register("parcels", views.ParcelViewSet, basename="projects-parcel")
router.register("proposals", views.ProposalViewSet, basename="projects-proposal")
urlpatterns = router.urls
