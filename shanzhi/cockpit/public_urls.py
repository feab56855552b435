"""The public portal owns "/" (included last by shanzhi/urls.py)."""

from django.urls import path

from shanzhi.cockpit import views as v

urlpatterns = [
    path("", v.PortalView.as_view(), name="portal"),
]
