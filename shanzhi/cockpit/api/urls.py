from rest_framework.routers import DefaultRouter

from shanzhi.cockpit.api import views

router = DefaultRouter()
router.register("widgets", views.WidgetViewSet, basename="widget")
router.register("case-stats", views.CaseStatViewSet)
router.register("reports", views.ReportViewSet)
urlpatterns = router.urls
