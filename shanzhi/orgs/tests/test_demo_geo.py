"""Tests for the generated demo geography (pure Python, no Django needed).

Run alone with:
    .venv/bin/python -m pytest shanzhi/orgs/tests/test_demo_geo.py -q -p no:django
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, shape

from shanzhi.orgs.demo_geo import (
    CENTRE_LAT,
    CENTRE_LON,
    COMMUNITIES,
    generate_demo_geography,
)

EXPECTED_AREA_KM2 = 25.21
# Independent of the module's constants on purpose, so a wrong projection there
# would show up here.
KM_PER_DEG = 6371.0088 * math.pi / 180.0


@cache
def _demo(seed: int = 2023) -> dict[str, Any]:
    return generate_demo_geography(seed)


def _km(geom: shapely.Geometry) -> shapely.Geometry:
    """Local equirectangular projection around the centre, in km."""
    cos_lat = math.cos(math.radians(CENTRE_LAT))
    return shapely.transform(
        geom,
        lambda c: np.column_stack(
            (
                (c[:, 0] - CENTRE_LON) * KM_PER_DEG * cos_lat,
                (c[:, 1] - CENTRE_LAT) * KM_PER_DEG,
            )
        ),
    )


def _features(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [d["street"], *d["communities"]["features"], *d["grids"]["features"]]


def _shapes(collection: dict[str, Any]) -> list[shapely.Geometry]:
    return [shape(f["geometry"]) for f in collection["features"]]


def test_deterministic() -> None:
    a = json.dumps(generate_demo_geography(2023), sort_keys=True)
    b = json.dumps(generate_demo_geography(2023), sort_keys=True)
    assert a == b
    assert json.dumps(generate_demo_geography(7), sort_keys=True) != a


def test_default_seed_is_2023() -> None:
    assert generate_demo_geography() == _demo(2023)


def test_structure_and_size() -> None:
    d = _demo()
    assert d["street"]["type"] == "Feature"
    assert d["street"]["properties"]["name"] == "西区街道"
    assert d["communities"]["type"] == "FeatureCollection"
    assert d["grids"]["type"] == "FeatureCollection"
    # Small enough to ship as a fixture and send to the browser.
    assert len(json.dumps(d, ensure_ascii=False).encode()) < 400_000


def test_communities_codes_and_names() -> None:
    feats = _demo()["communities"]["features"]
    assert len(feats) == 9
    got = {(f["properties"]["code"], f["properties"]["name"]) for f in feats}
    assert got == set(COMMUNITIES)
    assert ("442000004005", "西苑") in got
    assert ("442000004011", "彩虹") in got


def test_grid_counts_codes_names_households() -> None:
    grids = _demo()["grids"]["features"]
    assert 120 <= len(grids) <= 180
    names = dict(COMMUNITIES)
    codes = [g["properties"]["code"] for g in grids]
    assert len(set(codes)) == len(codes)
    per_community: dict[str, int] = {}
    for g in grids:
        p = g["properties"]
        cc = p["community_code"]
        per_community[cc] = per_community.get(cc, 0) + 1
        prefix, _, number = p["code"].partition("-")
        assert prefix == cc and len(number) == 3
        assert p["name"] == f"{names[cc]}社区第{int(number)}网格"
        assert isinstance(p["households"], int)
        assert 300 <= p["households"] <= 500
    assert set(per_community) == set(names)
    # Numbers run 1..n without gaps within each community.
    for cc, n in per_community.items():
        nums = sorted(int(g["properties"]["code"][-3:]) for g in grids if g["properties"]["community_code"] == cc)
        assert nums == list(range(1, n + 1))


def test_every_feature_marked_generated() -> None:
    assert all(f["properties"]["generated"] is True for f in _features(_demo()))


def test_geometry_valid_rounded_closed() -> None:
    for f in _features(_demo()):
        geom = f["geometry"]
        assert geom["type"] == "Polygon"
        for ring in geom["coordinates"]:
            assert ring[0] == ring[-1], "ring not closed"
            assert len(ring) >= 4
            for lon, lat in ring:
                assert round(lon, 6) == lon and round(lat, 6) == lat
                assert 113.2 < lon < 113.5 and 22.4 < lat < 22.6
        poly = shape(geom)
        assert poly.is_valid, shapely.is_valid_reason(poly)
        # RFC 7946: exterior ring counter-clockwise.
        assert Polygon(geom["coordinates"][0]).exterior.is_ccw


def test_outline_is_irregular() -> None:
    street = shape(_demo()["street"]["geometry"])
    # A rectangle fills its minimum rotated rectangle; a district-like shape does not.
    assert street.area / street.minimum_rotated_rectangle.area < 0.9
    assert len(street.exterior.coords) > 20


def test_total_area_and_centre() -> None:
    street = _km(shape(_demo()["street"]["geometry"]))
    assert street.area == pytest.approx(EXPECTED_AREA_KM2, rel=0.03)
    c = street.centroid
    assert math.hypot(c.x, c.y) < 2.0  # km from the published centre


def _overlap_km2(geoms: list[shapely.Geometry]) -> float:
    tree = shapely.STRtree(geoms)
    total = 0.0
    for i, j in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if i < j:
            total += geoms[i].intersection(geoms[j]).area
    return total


def test_no_overlaps() -> None:
    d = _demo()
    grids = [_km(g) for g in _shapes(d["grids"])]
    communities = [_km(g) for g in _shapes(d["communities"])]
    # Rounding noise only: well under one square metre in total.
    assert _overlap_km2(grids) < 1e-6
    assert _overlap_km2(communities) < 1e-6


def test_grids_cover_their_community() -> None:
    d = _demo()
    for comm in d["communities"]["features"]:
        code = comm["properties"]["code"]
        cgeom = _km(shape(comm["geometry"]))
        members = [
            _km(shape(g["geometry"])) for g in d["grids"]["features"] if g["properties"]["community_code"] == code
        ]
        union = shapely.union_all(members)
        assert union.area == pytest.approx(cgeom.area, rel=0.005)
        assert union.symmetric_difference(cgeom).area < 0.005 * cgeom.area
        # Grid count roughly follows community area (about 6 grids per km²).
        assert 0.5 < len(members) / (cgeom.area * 150 / EXPECTED_AREA_KM2) < 2.0


def test_communities_cover_street_and_are_contiguous() -> None:
    d = _demo()
    street = _km(shape(d["street"]["geometry"]))
    communities = [_km(g) for g in _shapes(d["communities"])]
    assert all(c.geom_type == "Polygon" for c in communities)
    union = shapely.union_all(communities)
    assert union.symmetric_difference(street).area < 0.005 * street.area
    areas = sorted(c.area for c in communities)
    assert areas[-1] / areas[0] > 1.5  # varied sizes, not a uniform split


@pytest.mark.parametrize("seed", [0, 1, 42, 2024])
def test_other_seeds_also_meet_the_basic_constraints(seed: int) -> None:
    d = generate_demo_geography(seed)
    assert len(d["communities"]["features"]) == 9
    assert 120 <= len(d["grids"]["features"]) <= 180
    assert all(shape(f["geometry"]).is_valid for f in _features(d))
    assert _km(shape(d["street"]["geometry"])).area == pytest.approx(EXPECTED_AREA_KM2, rel=0.03)
