"""Tests for shanzhi.orgs.geo (pure: no Django needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from shanzhi.orgs.geo import (
    GeometryError,
    GridLocator,
    area_km2,
    area_m2,
    find_overlaps,
    parse_polygon,
    to_geojson,
)

LON0, LAT0 = 113.357, 22.519
SQUARE = [
    [LON0, LAT0],
    [LON0 + 0.01, LAT0],
    [LON0 + 0.01, LAT0 + 0.01],
    [LON0, LAT0 + 0.01],
]
SQUARE_RING = [*SQUARE, SQUARE[0]]


def poly(ring: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


# --------------------------------------------------------------------------- parse


def test_parse_polygon_dict_str_feature_and_collection() -> None:
    geom = parse_polygon(poly(SQUARE_RING))
    assert isinstance(geom, Polygon)
    assert geom.equals(box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01))
    assert parse_polygon(json.dumps(poly(SQUARE_RING))).equals(geom)
    feature = {"type": "Feature", "properties": {}, "geometry": poly(SQUARE_RING)}
    assert parse_polygon(feature).equals(geom)
    assert parse_polygon({"type": "FeatureCollection", "features": [feature]}).equals(geom)


def test_parse_polygon_with_hole_and_altitude() -> None:
    hole = [
        [LON0 + 0.004, LAT0 + 0.004],
        [LON0 + 0.006, LAT0 + 0.004],
        [LON0 + 0.006, LAT0 + 0.006],
    ]
    hole.append(hole[0])
    ring3d = [[x, y, 12.5] for x, y in SQUARE_RING]
    geom = parse_polygon({"type": "Polygon", "coordinates": [ring3d, hole]})
    assert len(geom.interiors) == 1
    assert not geom.has_z


def test_parse_multipolygon() -> None:
    other = [[x + 0.02, y] for x, y in SQUARE_RING]
    geom = parse_polygon({"type": "MultiPolygon", "coordinates": [[SQUARE_RING], [other]]})
    assert isinstance(geom, MultiPolygon)
    assert len(geom.geoms) == 2


def test_to_geojson_round_trip() -> None:
    geom = parse_polygon(poly(SQUARE_RING))
    out = to_geojson(geom)
    assert out["type"] == "Polygon"
    assert isinstance(out["coordinates"][0][0], list)
    json.dumps(out)  # must be JSON-serialisable as is
    assert parse_polygon(out).equals(geom)


BOWTIE = [
    [LON0, LAT0],
    [LON0 + 0.01, LAT0 + 0.01],
    [LON0 + 0.01, LAT0],
    [LON0, LAT0 + 0.01],
    [LON0, LAT0],
]


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("{not json", "not valid JSON"),
        ("", "empty"),
        ("[1, 2]", "must be a GeoJSON object"),
        (42, "must be a GeoJSON object"),
        (
            {"type": "Point", "coordinates": [LON0, LAT0]},
            "must be a Polygon or MultiPolygon",
        ),
        ({"type": "Feature", "geometry": None}, "has no geometry"),
        ({"type": "FeatureCollection", "features": []}, "exactly one feature"),
        ({"type": "Polygon"}, "no coordinate list"),
        ({"type": "Polygon", "coordinates": []}, "is empty"),
        (poly(SQUARE_RING[:3]), "has 3 positions; a closed ring needs at least 4"),
        (poly([*SQUARE, SQUARE[1]]), "is not closed: first point"),
        (
            poly(
                [
                    [LON0, LAT0],
                    [LON0 + 0.01, LAT0],
                    [LON0, LAT0 + 0.01],
                    [LON0 + 0.001, LAT0],
                ]
            ),
            "not closed",
        ),
        (
            poly([[200.0, LAT0], *SQUARE_RING[1:-1], [200.0, LAT0]]),
            "longitude 200.0 is outside",
        ),
        (
            poly([[LON0, 95.0], *SQUARE_RING[1:-1], [LON0, 95.0]]),
            "latitude 95.0 is outside",
        ),
        (poly([["113.3", LAT0], *SQUARE_RING[1:]]), "non-numeric coordinate"),
        (poly([[True, LAT0], *SQUARE_RING[1:]]), "non-numeric coordinate"),
        (poly([[LON0], *SQUARE_RING[1:]]), "must be a [longitude, latitude] pair"),
        (poly([[float("nan"), LAT0], *SQUARE_RING[1:]]), "non-finite"),
        (poly(BOWTIE), "Self-intersection"),
        (
            poly([SQUARE[0], SQUARE[1], SQUARE[0], SQUARE[0]]),
            "not valid: Too few points",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE_RING], [SQUARE_RING]]},
            "not valid",
        ),
    ],
)
def test_parse_polygon_refuses_with_message(value: object, needle: str) -> None:
    with pytest.raises(GeometryError) as info:
        parse_polygon(value)  # type: ignore[arg-type]
    err = info.value
    assert needle in str(err)
    assert isinstance(err, ValueError)
    # The template must reproduce the message, so it can be translated and re-formatted.
    assert err.template.format(**err.params) == str(err)


def test_ring_error_names_the_ring() -> None:
    other = [[x + 0.02, y] for x, y in SQUARE_RING][:-1]  # second polygon, unclosed
    with pytest.raises(GeometryError, match="The outer ring of polygon 2 is not closed"):
        parse_polygon({"type": "MultiPolygon", "coordinates": [[SQUARE_RING], [other]]})


# --------------------------------------------------------------------------- areas


def test_area_km2_close_to_geodesic() -> None:
    # 0.01° x 0.01° at 22.5°N: 1112.0 m * 1027.3 m ≈ 1.142 km² (spherical value).
    geom = box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    assert area_km2(geom) == pytest.approx(1.1424, rel=5e-3)
    assert area_m2(geom) == pytest.approx(area_km2(geom) * 1e6)


# --------------------------------------------------------------------------- overlaps


def test_find_overlaps_reports_only_real_overlaps() -> None:
    a = box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    b = box(LON0 + 0.01, LAT0, LON0 + 0.02, LAT0 + 0.01)  # shares an edge with a
    c = box(LON0 + 0.015, LAT0 + 0.005, LON0 + 0.025, LAT0 + 0.015)  # overlaps b by 1/4
    d = box(LON0 + 0.1, LAT0, LON0 + 0.11, LAT0 + 0.01)  # far away
    e = box(LON0 + 0.101, LAT0 + 0.001, LON0 + 0.102, LAT0 + 0.002)  # inside d
    # Sliver: overlaps a by 1e-7 deg of width → ratio 1e-5, below the default threshold.
    f = box(LON0 - 0.01, LAT0, LON0 + 1e-7, LAT0 + 0.01)
    result = find_overlaps([("a", a), ("b", b), ("c", c), ("d", d), ("e", e), ("f", f)])
    pairs = [(x, y) for x, y, _ in result]
    assert pairs == [("b", "c"), ("d", "e")]
    by_pair = {(x, y): m2 for x, y, m2 in result}
    assert by_pair[("b", "c")] == pytest.approx(area_m2(b) / 4, rel=1e-3)
    assert by_pair[("d", "e")] == pytest.approx(area_m2(e), rel=1e-3)
    assert find_overlaps([("a", a)]) == []
    assert find_overlaps([("a", a), ("f", f)], min_area_ratio=1e-6) != []


# --------------------------------------------------------------------------- locator


def jittered_grid(nx: int = 6, ny: int = 5, seed: int = 1) -> list[Polygon]:
    rng = np.random.default_rng(seed)
    d = 0.004
    xs = LON0 + np.arange(nx + 1) * d
    ys = LAT0 + np.arange(ny + 1) * d
    gx, gy = np.meshgrid(xs, ys)
    gx = gx + rng.uniform(-0.2, 0.2, gx.shape) * d
    gy = gy + rng.uniform(-0.2, 0.2, gy.shape) * d
    polys = []
    for j in range(ny):
        for i in range(nx):
            corners = [(j, i), (j, i + 1), (j + 1, i + 1), (j + 1, i)]
            polys.append(Polygon([(gx[c], gy[c]) for c in corners]))
    return polys


def brute_force(polys: list[Polygon], lon: float, lat: float) -> int:
    pt = shapely.Point(lon, lat)
    for i, p in enumerate(polys):
        if p.covers(pt):
            return i
    return -1


@pytest.fixture(scope="module")
def grid_setup() -> tuple[list[Polygon], GridLocator]:
    polys = jittered_grid()
    # A grid with a hole and a detached part, to cover the non-convex paths as well.
    ring = box(LON0 + 0.03, LAT0 + 0.03, LON0 + 0.04, LAT0 + 0.04).difference(
        box(LON0 + 0.033, LAT0 + 0.033, LON0 + 0.037, LAT0 + 0.037)
    )
    polys.append(MultiPolygon([ring, box(LON0 + 0.05, LAT0, LON0 + 0.052, LAT0 + 0.002)]))
    return polys, GridLocator([(100 + i, p) for i, p in enumerate(polys)], cells_per_grid=16)


def random_points(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lons = rng.uniform(LON0 - 0.01, LON0 + 0.06, n)
    lats = rng.uniform(LAT0 - 0.01, LAT0 + 0.05, n)
    return lons, lats


def test_locator_matches_brute_force(
    grid_setup: tuple[list[Polygon], GridLocator],
) -> None:
    polys, loc = grid_setup
    lons, lats = random_points(3000)
    expected = [brute_force(polys, x, y) for x, y in zip(lons, lats, strict=True)]
    assert -1 in expected and len(set(expected)) > 20  # both outside and many grids hit
    got = [loc.locate(x, y) for x, y in zip(lons, lats, strict=True)]
    assert got == [None if e < 0 else 100 + e for e in expected]


def test_locate_many_equals_locate(
    grid_setup: tuple[list[Polygon], GridLocator],
) -> None:
    polys, loc = grid_setup
    lons, lats = random_points(20000, seed=11)
    # Add vertices (on shared borders / corners), NaN and far-away points.
    verts = np.array([c for p in polys[:30] for c in p.exterior.coords])
    lons = np.concatenate([lons, verts[:, 0], [np.nan, 0.0, 180.0]])
    lats = np.concatenate([lats, verts[:, 1], [LAT0, np.nan, -90.0]])
    many = loc.locate_many(lons, lats)
    assert many.dtype == np.int64
    single = np.array([loc.locate(x, y) or -1 for x, y in zip(lons, lats, strict=True)])
    np.testing.assert_array_equal(many, single)
    np.testing.assert_array_equal(loc.locate_many_index(lons, lats), loc.locate_many_strtree(lons, lats))


def test_shared_border_is_deterministic() -> None:
    a = box(0.0, 0.0, 1.0, 1.0)
    b = box(1.0, 0.0, 2.0, 1.0)
    # The first-listed grid wins a point on the shared edge, whatever the ids are.
    for grids, winner in ([("a", a), ("b", b)], "a"), ([("b", b), ("a", a)], "b"):
        loc = GridLocator(grids)
        assert loc.locate(1.0, 0.5) == winner
        assert list(loc.locate_many(np.array([1.0, 1.0]), np.array([0.5, 0.0]))) == [winner] * 2
    # Outer edge counts as inside.
    assert GridLocator([("a", a)]).locate(0.0, 0.5) == "a"


def test_string_ids_and_outside_is_none() -> None:
    loc = GridLocator([("g1", box(0, 0, 1, 1))])
    out = loc.locate_many(np.array([0.5, 5.0]), np.array([0.5, 5.0]))
    assert out.dtype == object
    assert list(out) == ["g1", None]
    assert loc.locate(5.0, 5.0) is None


def test_empty_locator() -> None:
    loc = GridLocator([])
    assert loc.locate(LON0, LAT0) is None
    assert list(loc.locate_many(np.array([LON0]), np.array([LAT0]))) == [-1]


def test_minus_one_id_rejected() -> None:
    with pytest.raises(ValueError, match="reserved"):
        GridLocator([(-1, box(0, 0, 1, 1))])
