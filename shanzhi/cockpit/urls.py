from django.urls import path

from shanzhi.cockpit import views as v

app_name = "cockpit"
urlpatterns = [
    path("", v.CockpitView.as_view(), name="cockpit"),
    path("big/", v.BigScreenView.as_view(), name="bigscreen"),
    path("widgets/<slug:name>/", v.WidgetView.as_view(), name="widget"),
    path("map.json", v.MapDataView.as_view(), name="map_data"),
    path("reports/", v.ReportList.as_view(), name="report_list"),
    path("reports/new/", v.ReportGenerate.as_view(), name="report_add"),
    path("reports/<int:pk>/", v.ReportDetail.as_view(), name="report_detail"),
    path("reports/<int:pk>/download/", v.ReportDownload.as_view(), name="report_download"),
]
