"""Generated demo geography for the built-in demo sub-district, 西区街道 (Zhongshan).

THESE ARE NOT THE REAL BOUNDARIES. The street outline, the nine community
polygons and the grids are invented by a seeded random process so that the demo
has maps to draw; only the public facts below are real (area, approximate centre,
community names and statistical division codes, the 300-500 households per grid
norm). Every feature carries the property ``"generated": true`` so nothing
downstream can mistake them for surveyed data. Replace them with the office's
own GIS layers for real use.

Pure Python (shapely + numpy, no Django), deterministic for a given seed.

How it is built, and why that way:

1. An irregular street outline: a closed radial curve with a few low-frequency
   harmonics (looks like a district, not a rectangle), scaled to exactly
   25.21 km² and moved so its centroid is on the published centre.
2. About 150 grid seed points inside it, Voronoi cells clipped to the outline,
   one Lloyd step so cells are plausible blocks rather than slivers.
3. Communities are *unions of grids*: each grid joins the nearest of nine
   weighted community seeds. Building bottom-up means grids tile their
   community exactly and communities tile the street exactly, with shared
   vertices (no T-junctions), so the layers stay consistent after coordinates
   are rounded to 6 decimals (~0.1 m).

All geometry is done in a local equirectangular projection in kilometres
around the centre, then converted to WGS84 lon/lat.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.polygon import orient

# --- Public facts about 西区街道 -------------------------------------------------
STREET_CODE = "442000004000"
STREET_NAME = "西区街道"
STREET_AREA_KM2 = 25.21
CENTRE_LAT = 22.519
CENTRE_LON = 113.357

# (statistical division code, name) of the nine communities.
COMMUNITIES: tuple[tuple[str, str], ...] = (
    ("442000004001", "烟洲"),
    ("442000004003", "广丰"),
    ("442000004005", "西苑"),
    ("442000004006", "长洲"),
    ("442000004007", "后山"),
    ("442000004008", "沙朗"),
    ("442000004009", "隆昌"),
    ("442000004010", "隆平"),
    ("442000004011", "彩虹"),
)

HOUSEHOLDS_MIN = 300
HOUSEHOLDS_MAX = 500
# The demo wants 120-180 grids (the real norm gives ~115-190 for Xiqu).
GRIDS_MIN = 120
GRIDS_MAX = 180

# --- Local projection ----------------------------------------------------------
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEG_LAT = EARTH_RADIUS_KM * math.pi / 180.0
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
# 6 decimals of a degree ≈ 0.11 m: plenty for a demo map, keeps the JSON small.
COORD_DECIMALS = 6
GRID_SIZE_DEG = 10.0**-COORD_DECIMALS

_OUTLINE_VERTICES = 64
_MAX_ATTEMPTS = 50


def km_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular km (east, north of the centre) → lon/lat degrees."""
    return CENTRE_LON + x / KM_PER_DEG_LON, CENTRE_LAT + y / KM_PER_DEG_LAT


def lonlat_to_km(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`km_to_lonlat`; tests use it to measure areas."""
    return (lon - CENTRE_LON) * KM_PER_DEG_LON, (lat - CENTRE_LAT) * KM_PER_DEG_LAT


def _to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """Project a km-space geometry to lon/lat and snap it to the 1e-6° grid.

    set_precision snaps *and* repairs, so a polygon that would self-touch after
    rounding comes out valid; vertices shared by neighbours snap identically.
    """
    out = shapely.transform(geom, lambda c: np.column_stack(km_to_lonlat(c[:, 0], c[:, 1])))
    return shapely.set_precision(out, GRID_SIZE_DEG)


def _make_outline(rng: np.random.Generator) -> Polygon:
    """Irregular, star-shaped street outline in km, area and centroid fixed."""
    theta = np.linspace(0.0, 2.0 * math.pi, _OUTLINE_VERTICES, endpoint=False)
    radius = np.ones_like(theta)
    # Low harmonics give lobes and an elongation; amplitudes are small enough
    # that the curve stays star-shaped (radius never near zero).
    for k, amp in ((2, 0.16), (3, 0.09), (4, 0.05), (5, 0.035), (7, 0.02)):
        radius += amp * rng.uniform(0.5, 1.0) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    # A little vertex-level jitter so edges are not perfectly smooth.
    radius *= 1.0 + rng.normal(0.0, 0.012, size=theta.size)
    poly = Polygon(np.column_stack((radius * np.cos(theta), radius * np.sin(theta))))
    poly = affinity.scale(
        poly,
        math.sqrt(STREET_AREA_KM2 / poly.area),
        math.sqrt(STREET_AREA_KM2 / poly.area),
    )
    c = poly.centroid
    return affinity.translate(poly, -c.x, -c.y)


def _random_points_in(poly: Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniformly random points inside poly (rejection sampling on its bbox)."""
    minx, miny, maxx, maxy = poly.bounds
    pts: list[tuple[float, float]] = []
    shapely.prepare(poly)
    while len(pts) < n:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(4 * n, 2))
        inside = shapely.contains_xy(poly, cand[:, 0], cand[:, 1])
        pts.extend(map(tuple, cand[inside]))
    return np.asarray(pts[:n])


def _clipped_cells(points: np.ndarray, outline: Polygon) -> list[shapely.Geometry]:
    """Voronoi cells of points clipped to the outline, in the points' order."""
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=outline.buffer(1.0), ordered=True)
    return [cell.intersection(outline) for cell in shapely.get_parts(cells)]


def _make_grids_km(outline: Polygon, rng: np.random.Generator) -> list[Polygon] | None:
    """Grid cells in km tiling the outline, or None if a cell came out multipart."""
    n = int(rng.integers(140, 161))
    points = _random_points_in(outline, n, rng)
    # One Lloyd step: evens out the worst slivers but keeps size variety, which
    # real grids have (dense old town vs. industrial land).
    points = np.array([[c.centroid.x, c.centroid.y] for c in _clipped_cells(points, outline)])
    cells = _clipped_cells(points, outline)
    if any(c.geom_type != "Polygon" or c.is_empty for c in cells):
        return None  # a cell straddled a concave bay of the outline; retry
    return cells


def _assign_communities(grids: list[Polygon], outline: Polygon, rng: np.random.Generator) -> list[int] | None:
    """Community index for each grid, or None if the partition is implausible.

    Nearest weighted seed (a power-diagram-like rule) so the nine communities
    differ in size, as real ones do.
    """
    seeds = _random_points_in(outline, len(COMMUNITIES), rng)
    spread = np.min([np.hypot(*(seeds[i] - seeds[j])) for i in range(len(seeds)) for j in range(i)])
    if spread < 0.9:  # seeds too close would leave a sliver community
        return None
    weights = rng.uniform(0.0, 0.6, size=len(seeds))
    centroids = np.array([[g.centroid.x, g.centroid.y] for g in grids])
    dist2 = ((centroids[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2) - weights[None, :]
    owner = dist2.argmin(axis=1)
    mean_area = STREET_AREA_KM2 / len(COMMUNITIES)
    for k in range(len(COMMUNITIES)):
        members = [g for g, o in zip(grids, owner, strict=True) if o == k]
        if len(members) < 6:
            return None
        union = shapely.union_all(members)
        # Contiguous, no enclaves, and neither tiny nor dominant.
        if union.geom_type != "Polygon" or len(union.interiors) > 0:
            return None
        if not 0.35 * mean_area <= union.area <= 2.3 * mean_area:
            return None
    return [int(o) for o in owner]


def _reading_order(geoms: list[shapely.Geometry]) -> list[int]:
    """Indices sorted north→south in ~1 km bands, then west→east, so numbers
    run the way people read a map."""
    keys = []
    for i, g in enumerate(geoms):
        c = g.centroid
        x, y = lonlat_to_km(np.array(c.x), np.array(c.y))
        keys.append((-math.floor(float(y)), float(x), i))
    return [k[2] for k in sorted(keys)]


def _round_coords(obj: Any) -> Any:
    """Round every number in nested coordinate lists/tuples to 6 decimals."""
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), COORD_DECIMALS) for v in obj]
        return [_round_coords(v) for v in obj]
    return obj


def _geometry(geom: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON geometry: RFC 7946 winding (exterior counter-clockwise), rounded."""
    geom = orient(geom, sign=1.0)
    gj = mapping(geom)
    return {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"])}


def _feature(geom: shapely.Geometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {**properties, "generated": True},
        "geometry": _geometry(geom),
    }


def generate_demo_geography(seed: int = 2023) -> dict[str, Any]:
    """Generated (NOT real) GeoJSON for 西区街道: street, 9 communities, grids.

    Returns ``{"street": Feature, "communities": FeatureCollection,
    "grids": FeatureCollection}``. Community properties: ``code``, ``name``,
    ``generated``. Grid properties: ``code`` (``"442000004005-007"``), ``name``
    (``"西苑社区第7网格"``), ``community_code``, ``households`` (300-500),
    ``generated``. Same seed → identical output.
    """
    rng = np.random.default_rng(seed)
    for _ in range(_MAX_ATTEMPTS):
        outline = _make_outline(rng)
        grids_km = _make_grids_km(outline, rng)
        if grids_km is None:
            continue
        grids = [_to_lonlat(g) for g in grids_km]
        if any(g.geom_type != "Polygon" for g in grids):
            continue
        for _ in range(_MAX_ATTEMPTS):
            owner = _assign_communities(grids_km, outline, rng)
            if owner is not None:
                break
        else:
            continue
        return _build_output(grids, owner, rng)
    raise RuntimeError(f"could not generate a plausible demo geography for seed {seed}")


def _build_output(grids: list[Polygon], owner: list[int], rng: np.random.Generator) -> dict[str, Any]:
    """Assemble the GeoJSON from snapped lon/lat grids and their community index."""
    community_geoms = [
        shapely.union_all(
            [g for g, o in zip(grids, owner, strict=True) if o == k],
            grid_size=GRID_SIZE_DEG,
        )
        for k in range(len(COMMUNITIES))
    ]
    # Codes are fixed facts; which generated polygon gets which code is arbitrary,
    # so hand them out in map reading order to make the layout easy to describe.
    community_of_slot = _reading_order(community_geoms)
    street = shapely.union_all(community_geoms, grid_size=GRID_SIZE_DEG)

    community_features = []
    grid_features = []
    for (code, name), k in zip(COMMUNITIES, community_of_slot, strict=True):
        community_features.append(_feature(community_geoms[k], {"code": code, "name": name}))
        members = [g for g, o in zip(grids, owner, strict=True) if o == k]
        for number, idx in enumerate(_reading_order(members), start=1):
            grid_features.append(
                _feature(
                    members[idx],
                    {
                        "code": f"{code}-{number:03d}",
                        "name": f"{name}社区第{number}网格",
                        "community_code": code,
                        "households": int(rng.integers(HOUSEHOLDS_MIN, HOUSEHOLDS_MAX + 1)),
                    },
                )
            )

    return {
        "street": _feature(street, {"code": STREET_CODE, "name": STREET_NAME}),
        "communities": {"type": "FeatureCollection", "features": community_features},
        "grids": {"type": "FeatureCollection", "features": grid_features},
    }


def centre_point() -> Point:
    """Published centre of the street (lon, lat), for map views."""
    return Point(CENTRE_LON, CENTRE_LAT)
