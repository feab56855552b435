from django.urls import path, re_path

from shanzhi.open311 import views as v

app_name = "open311"

FMT = r"(?P<fmt>xml|json)"
urlpatterns = [
    # GeoReport v2 (public API)
    re_path(rf"^v2/discovery\.{FMT}$", v.DiscoveryView.as_view(), name="discovery"),
    re_path(rf"^v2/services\.{FMT}$", v.ServiceListView.as_view(), name="services"),
    re_path(rf"^v2/services/(?P<code>[^/]+?)\.{FMT}$", v.ServiceDefinitionView.as_view(), name="service"),
    re_path(rf"^v2/requests\.{FMT}$", v.RequestsView.as_view(), name="requests"),
    re_path(rf"^v2/requests/(?P<request_id>[^/]+?)\.{FMT}$", v.RequestDetailView.as_view(), name="request"),
    re_path(rf"^v2/tokens/(?P<token>[^/]+?)\.{FMT}$", v.TokenView.as_view(), name="token"),
    re_path(r"^v2/(?P<rest>.*)$", v.NotFoundView.as_view(), name="not_found"),
    # Staff pages
    path("requests/", v.ServiceRequestList.as_view(), name="servicerequest_list"),
    path("requests/<int:pk>/", v.ServiceRequestDetail.as_view(), name="servicerequest_detail"),
]
