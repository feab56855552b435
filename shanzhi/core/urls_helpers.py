"""URL patterns for the standard pages of one model: list, add, detail, edit, delete."""

from django.urls import path


def crud_paths(
    prefix: str, name: str, *, list_view, detail_view=None, create_view=None, update_view=None, delete_view=None
):
    out = [path(f"{prefix}/", list_view.as_view(), name=f"{name}_list")]
    if create_view:
        out.append(path(f"{prefix}/add/", create_view.as_view(), name=f"{name}_add"))
    if detail_view:
        out.append(path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"))
    if update_view:
        out.append(path(f"{prefix}/<int:pk>/edit/", update_view.as_view(), name=f"{name}_edit"))
    if delete_view:
        out.append(path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"))
    return out
