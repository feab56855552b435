from rest_framework.routers import DefaultRouter

from shanzhi.plans.api import views

router = DefaultRouter()
router.register("plans", views.PlanViewSet)
router.register("tasks", views.PlanNodeViewSet)
router.register("reports", views.ProgressReportViewSet)
router.register("notices", views.SupervisionNoticeViewSet)
router.register("indicators", views.IndicatorViewSet)
router.register("actuals", views.IndicatorActualViewSet)
urlpatterns = router.urls
