from rest_framework.routers import DefaultRouter

from shanzhi.orgs.api import views

router = DefaultRouter()
router.register("departments", views.DepartmentViewSet)
router.register("communities", views.CommunityViewSet)
router.register("grids", views.GridViewSet)
router.register("grid-assignments", views.GridAssignmentViewSet)
router.register("enterprises", views.EnterpriseViewSet)
router.register("party-organisations", views.PartyOrganizationViewSet)
router.register("party-members", views.PartyMemberViewSet)
router.register("volunteers", views.VolunteerViewSet)
urlpatterns = router.urls
