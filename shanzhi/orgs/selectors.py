"""Reads that shape data for maps and routing."""

from __future__ import annotations

import threading

from django.db.models import Count, Max, Q

from shanzhi.orgs import geo
from shanzhi.orgs.models import Community, Grid

_lock = threading.Lock()
_cache: dict[str, object] = {}


def _grids_stamp() -> tuple:
    agg = Grid.all_objects.aggregate(
        n=Count("id"), live=Count("id", filter=Q(is_deleted=False)), last=Max("updated_at")
    )
    return (agg["n"], agg["live"], agg["last"])


def grid_locator() -> geo.GridLocator:
    """A point-in-grid locator over the live grids, rebuilt only when grids changed."""
    stamp = _grids_stamp()
    with _lock:
        if _cache.get("stamp") != stamp:
            items = [
                (g.pk, geo.parse_polygon(g.boundary))
                for g in Grid.objects.exclude(boundary__isnull=True).only("pk", "boundary")
            ]
            _cache["locator"] = geo.GridLocator(items)
            _cache["stamp"] = stamp
        return _cache["locator"]  # type: ignore[return-value]


def map_geojson(user) -> dict:
    """Communities and grids the user may see, as one FeatureCollection each (for ECharts)."""
    communities = Community.objects.restrict(user).exclude(boundary__isnull=True)
    grids = (
        Grid.objects.restrict(user)
        .exclude(boundary__isnull=True)
        .select_related("community")
        .annotate(worker_count=Count("assignments", filter=Q(assignments__is_deleted=False), distinct=True))
    )
    return {
        "communities": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": c.boundary, "properties": {"id": c.pk, "name": c.name, "code": c.code}}
                for c in communities
            ],
        },
        "grids": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": g.boundary,
                    "properties": {
                        "id": g.pk,
                        "name": g.name,
                        "code": g.code,
                        "community": g.community.name,
                        "households": g.households,
                        "workers": g.worker_count,
                    },
                }
                for g in grids
            ],
        },
    }
