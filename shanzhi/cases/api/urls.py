from rest_framework.routers import DefaultRouter

from shanzhi.cases.api import views

router = DefaultRouter()
router.register("cases", views.CaseViewSet)
router.register("submissions", views.SubmissionViewSet)
router.register("categories", views.CategoryViewSet)
router.register("keyword-rules", views.KeywordRuleViewSet)
router.register("attachments", views.CaseAttachmentViewSet, basename="case-attachment")
router.register("rates", views.RatesViewSet, basename="rates")
router.register("public", views.PublicCaseViewSet, basename="public-case")
urlpatterns = router.urls
