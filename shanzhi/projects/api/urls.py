from rest_framework.routers import DefaultRouter

from shanzhi.projects.api import views

router = DefaultRouter()
router.register("projects", views.ProjectViewSet)
router.register("months", views.ProjectMonthViewSet)
router.register("milestones", views.MilestoneViewSet)
router.register("blockers", views.BlockerViewSet)
router.register("leads", views.LeadViewSet)
router.register("lead-activities", views.LeadActivityViewSet)
router.register("chains", views.IndustryChainViewSet)
router.register("chain-links", views.ChainLinkViewSet)
router.register("parcels", views.ParcelViewSet)
router.register("proposals", views.ProposalViewSet)
urlpatterns = router.urls
