from rest_framework.routers import DefaultRouter

from shanzhi.fieldwork.api import views

router = DefaultRouter()
router.register("wishes", views.WishViewSet)
router.register("wish-wall", views.PublicWishViewSet, basename="wish-wall")
router.register("disputes", views.DisputeViewSet)
router.register("checklists", views.ChecklistViewSet)
router.register("river-sections", views.RiverSectionViewSet)
router.register("patrol-plans", views.PatrolPlanViewSet)
router.register("patrols", views.PatrolViewSet)
router.register("findings", views.FindingViewSet)
router.register("safety-records", views.SafetyRecordViewSet)
router.register("hazards", views.HazardViewSet)
router.register("incidents", views.IncidentViewSet)
router.register("alert-chains", views.AlertChainViewSet)
router.register("alert-chain-steps", views.AlertChainStepViewSet)
urlpatterns = router.urls
