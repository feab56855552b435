"""GeoJSON grid polygons: parsing with human error messages, overlaps, areas, point location.

Pure library (shapely 2 + numpy, no Django) so it can be used from models, forms,
management commands and the case router alike.

Coordinates are WGS84 longitude/latitude in degrees, in GeoJSON order ``[lon, lat]``.
Areas are approximated with a local equirectangular projection around the geometry's
own latitude: for sub-district-sized shapes (a few km) the error is well under 1 %,
which is plenty for "these two grids overlap by ~300 m²" and avoids a pyproj dependency.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

__all__ = [
    "GeometryError",
    "GridLocator",
    "area_km2",
    "area_m2",
    "find_overlaps",
    "parse_polygon",
    "to_geojson",
]

# Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


class GeometryError(ValueError):
    """A polygon was refused. ``str(err)`` is an English sentence for the user.

    ``template`` and ``params`` are kept separately so the UI layer can translate the
    template (e.g. with gettext) and format it itself; the template is a plain
    ``str.format`` string such as ``"Ring {ring} is not closed: ..."``.
    """

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params))


# --------------------------------------------------------------------------- parsing


def _load(geojson: dict | str | bytes) -> dict:
    if isinstance(geojson, bytes | bytearray):
        try:
            geojson = geojson.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GeometryError("The geometry is not UTF-8 text: {error}", error=exc) from exc
    if isinstance(geojson, str):
        if not geojson.strip():
            raise GeometryError("The geometry is empty.")
        try:
            geojson = json.loads(geojson)
        except json.JSONDecodeError as exc:
            raise GeometryError(
                "The geometry is not valid JSON (line {line}, column {column}): {error}",
                line=exc.lineno,
                column=exc.colno,
                error=exc.msg,
            ) from exc
    if not isinstance(geojson, dict):
        raise GeometryError(
            "The geometry must be a GeoJSON object, not {kind}.",
            kind=type(geojson).__name__,
        )
    return geojson


def _unwrap(obj: dict) -> dict:
    kind = obj.get("type")
    if kind == "Feature":
        geometry = obj.get("geometry")
        if geometry is None:
            raise GeometryError("The Feature has no geometry.")
        if not isinstance(geometry, dict):
            raise GeometryError("The Feature's geometry must be a GeoJSON object.")
        return geometry
    if kind == "FeatureCollection":
        features = obj.get("features") or []
        # Drawing tools often export a one-feature collection; accept that, refuse more,
        # because silently merging several shapes into one grid would surprise the user.
        if len(features) != 1 or not isinstance(features[0], dict):
            raise GeometryError(
                "The FeatureCollection must contain exactly one feature, not {count}.",
                count=len(features),
            )
        return _unwrap(features[0])
    return obj


def _position(raw: Any, where: str, index: int) -> tuple[float, float]:
    if not isinstance(raw, list | tuple) or len(raw) < 2:
        raise GeometryError(
            "Point {point} of {where} must be a [longitude, latitude] pair, got {value!r}.",
            point=index + 1,
            where=where,
            value=raw,
        )
    lon, lat = raw[0], raw[1]  # a third element (altitude) is allowed and ignored
    for value in (lon, lat):
        # bool is an int subclass; true/false in a coordinate is a bug upstream.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise GeometryError(
                "Point {point} of {where} has a non-numeric coordinate: {value!r}.",
                point=index + 1,
                where=where,
                value=raw,
            )
        if not math.isfinite(value):
            raise GeometryError(
                "Point {point} of {where} has a non-finite coordinate: {value!r}.",
                point=index + 1,
                where=where,
                value=raw,
            )
    if not -180.0 <= lon <= 180.0:
        raise GeometryError(
            "Point {point} of {where}: longitude {lon} is outside -180..180 "
            "(are longitude and latitude swapped, or is this not WGS84?).",
            point=index + 1,
            where=where,
            lon=lon,
        )
    if not -90.0 <= lat <= 90.0:
        raise GeometryError(
            "Point {point} of {where}: latitude {lat} is outside -90..90 "
            "(are longitude and latitude swapped, or is this not WGS84?).",
            point=index + 1,
            where=where,
            lat=lat,
        )
    return float(lon), float(lat)


def _ring(raw: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(raw, list | tuple):
        raise GeometryError("{where} must be a list of positions.", where=where.capitalize())
    if len(raw) < 4:
        raise GeometryError(
            "{where} has {count} positions; a closed ring needs at least 4 "
            "(3 corners plus the first point repeated at the end).",
            where=where.capitalize(),
            count=len(raw),
        )
    points = [_position(p, where, i) for i, p in enumerate(raw)]
    if points[0] != points[-1]:
        raise GeometryError(
            "{where} is not closed: first point {first} differs from last {last}.",
            where=where.capitalize(),
            first=list(points[0]),
            last=list(points[-1]),
        )
    return points


def _ring_name(polygon: int | None, ring: int) -> str:
    name = "the outer ring" if ring == 0 else f"hole {ring}"
    return name if polygon is None else f"{name} of polygon {polygon + 1}"


def _polygon(raw: Any, polygon: int | None) -> Polygon:
    if not isinstance(raw, list | tuple) or not raw:
        where = "The polygon" if polygon is None else f"Polygon {polygon + 1}"
        raise GeometryError("{where} has no rings.", where=where)
    rings = [_ring(r, _ring_name(polygon, i)) for i, r in enumerate(raw)]
    return Polygon(rings[0], rings[1:])


def parse_polygon(geojson: dict | str | bytes) -> Polygon | MultiPolygon:
    """Parse a GeoJSON Polygon/MultiPolygon (bare, in a Feature, or a 1-feature collection).

    Raises :class:`GeometryError` with a message meant for the person who drew the shape.
    """
    obj = _unwrap(_load(geojson))
    kind = obj.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryError(
            "The geometry must be a Polygon or MultiPolygon, not {kind}.",
            kind=kind if isinstance(kind, str) else repr(kind),
        )
    coords = obj.get("coordinates")
    if not isinstance(coords, list | tuple):
        raise GeometryError("The {kind} has no coordinate list.", kind=kind)
    if not coords:
        raise GeometryError("The {kind} is empty.", kind=kind)

    geom: Polygon | MultiPolygon
    if kind == "Polygon":
        geom = _polygon(coords, None)
    else:
        geom = MultiPolygon([_polygon(p, i) for i, p in enumerate(coords)])

    if geom.is_empty:
        raise GeometryError("The {kind} is empty.", kind=kind)
    # Validity before area: a self-intersecting "bow tie" has zero signed area, and the
    # self-intersection message is the more useful one.
    if not geom.is_valid:
        # explain_validity gives e.g. "Self-intersection[113.35 22.51]"; keep it verbatim
        # because the location is what the user needs to fix the drawing.
        raise GeometryError(
            "The {kind} is not valid: {reason}. Edges must not cross each other, holes must "
            "lie inside the outer ring and parts of a MultiPolygon must not overlap.",
            kind=kind,
            reason=explain_validity(geom),
        )
    if geom.area == 0.0:
        raise GeometryError("The {kind} has no area.", kind=kind)
    return geom


def to_geojson(geom: BaseGeometry) -> dict:
    """GeoJSON geometry dict with lists (not tuples), so it round-trips through JSON."""
    return json.loads(json.dumps(mapping(geom)))


# --------------------------------------------------------------------------- areas


def _project_local(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    """Equirectangular projection in metres around latitude ``lat0``."""
    kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def fwd(coords: np.ndarray) -> np.ndarray:
        return coords * np.array([kx, _M_PER_DEG])

    return shapely.transform(geom, fwd)


def area_m2(geom: BaseGeometry) -> float:
    """Approximate area in m² (local equirectangular projection around the centroid)."""
    if geom.is_empty:
        return 0.0
    _, miny, _, maxy = geom.bounds
    return float(_project_local(geom, (miny + maxy) / 2.0).area)


def area_km2(geom: BaseGeometry) -> float:
    """Approximate area in km²."""
    return area_m2(geom) / 1e6


def find_overlaps(
    polys: Sequence[tuple[Hashable, BaseGeometry]], min_area_ratio: float = 0.001
) -> list[tuple[Hashable, Hashable, float]]:
    """Pairs of polygons whose overlap is at least ``min_area_ratio`` of the smaller one.

    Returns ``(key_a, key_b, overlap_m2)`` with ``a`` listed before ``b`` in the input,
    in input order. Shared borders (zero-area intersections) and slivers below the ratio
    (digitising noise) are not reported. Containment counts as overlap.
    """
    if len(polys) < 2:
        return []
    keys = [k for k, _ in polys]
    geoms = np.array([g for _, g in polys], dtype=object)
    tree = shapely.STRtree(geoms)
    # "intersects" rather than "overlaps": the latter is false when one grid contains another.
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    order = np.lexsort((right, left))
    out: list[tuple[Hashable, Hashable, float]] = []
    areas: dict[int, float] = {}
    for i, j in zip(left[order].tolist(), right[order].tolist(), strict=True):
        inter = shapely.intersection(geoms[i], geoms[j])
        if inter.is_empty:
            continue
        overlap = area_m2(inter)
        if overlap <= 0.0:
            continue
        for k in (i, j):
            if k not in areas:
                areas[k] = area_m2(geoms[k])
        smaller = min(areas[i], areas[j])
        if smaller > 0 and overlap / smaller >= min_area_ratio:
            out.append((keys[i], keys[j], overlap))
    return out


# --------------------------------------------------------------------------- locating


class GridLocator:
    """Point → grid lookup over a fixed set of grid polygons.

    A point on a shared border (or in an overlap) goes to the grid listed *first* in the
    constructor input, so results are deterministic; pass grids in a stable order
    (e.g. by primary key). Points on a grid's outer edge count as inside ("covers").

    ``locate`` uses a shapely STRtree. ``locate_many`` avoids creating a shapely Point
    per input (that alone costs ~1 µs/point, too slow for the 1 M points/s target):
    it buckets the points into a regular raster over the grids' extent, answers points in
    cells that lie wholly inside one grid straight from a lookup table, and runs the exact
    (prepared) ``intersects_xy`` test only for points in cells crossed by a border.
    """

    def __init__(
        self,
        grids: Iterable[tuple[Hashable, BaseGeometry]],
        cells_per_grid: int = 256,
    ) -> None:
        items = list(grids)
        self.keys: list[Hashable] = [k for k, _ in items]
        self.geoms = np.array([g for _, g in items], dtype=object)
        for key, geom in items:
            if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
                raise GeometryError("Grid {key} has no polygon.", key=key)
        shapely.prepare(self.geoms)  # speeds up repeated point tests ~2x
        self.tree = shapely.STRtree(self.geoms)
        # Integer ids → int64 output with -1 for "outside"; anything else → object/None.
        self._int_keys = all(isinstance(k, int | np.integer) and not isinstance(k, bool) for k in self.keys)
        if self._int_keys and -1 in self.keys:
            raise ValueError("-1 is reserved for 'outside every grid' and cannot be a grid id")
        self._keys_arr = (
            np.array(self.keys, dtype=np.int64) if self._int_keys else np.array([*self.keys, None], dtype=object)[:-1]
        )
        self._build_raster(max(1, len(items)) * cells_per_grid)

    def __len__(self) -> int:
        return len(self.keys)

    # -- raster index ------------------------------------------------------------------

    def _build_raster(self, target_cells: int) -> None:
        if len(self.geoms) == 0:
            self._nx = self._ny = 0
            return
        minx, miny, maxx, maxy = shapely.total_bounds(self.geoms)
        width, height = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
        # Square-ish cells (in degrees; anisotropy at 22°N is irrelevant for bucketing).
        cell = math.sqrt(width * height / target_cells)
        nx = max(1, math.ceil(width / cell))
        ny = max(1, math.ceil(height / cell))
        # Half a cell of padding so points exactly on the outermost edges fall inside.
        self._x0, self._y0 = minx - cell / 2, miny - cell / 2
        self._cw = self._ch = cell
        self._nx, self._ny = nx + 1, ny + 1
        ix, iy = np.meshgrid(np.arange(self._nx), np.arange(self._ny), indexing="xy")
        ix, iy = ix.ravel(), iy.ravel()
        # Expand each cell slightly: a point whose computed cell is off by one rounding
        # step is still inside the expanded box, so "sure" cells stay sure.
        eps = cell * 1e-6
        boxes = shapely.box(
            self._x0 + ix * cell - eps,
            self._y0 + iy * cell - eps,
            self._x0 + (ix + 1) * cell + eps,
            self._y0 + (iy + 1) * cell + eps,
        )
        ncells = len(boxes)
        cell_idx, grid_idx = self.tree.query(boxes, predicate="intersects")
        counts = np.bincount(cell_idx, minlength=ncells)
        # CSR lists of candidate grids per cell, each list in ascending grid order.
        order = np.lexsort((grid_idx, cell_idx))
        self._cand = grid_idx[order].astype(np.int32)
        self._cand_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        # -1: no grid; >= 0: the only grid and it covers the cell; -2: needs exact test.
        direct = np.full(ncells, -2, dtype=np.int64)
        direct[counts == 0] = -1
        single = np.flatnonzero(counts == 1)
        only = self._cand[self._cand_ptr[single]]
        covered = shapely.covers(self.geoms[only], boxes[single])
        direct[single[covered]] = only[covered]
        self._direct = direct

    # -- queries -----------------------------------------------------------------------

    def locate_index(self, lon: float, lat: float) -> int:
        """Position (in constructor order) of the grid containing the point, or -1."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return -1
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(hits.min()) if len(hits) else -1

    def locate(self, lon: float, lat: float) -> Hashable | None:
        """Grid id containing ``(lon, lat)``, or ``None`` outside every grid."""
        i = self.locate_index(lon, lat)
        return None if i < 0 else self.keys[i]

    def locate_many_index(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`locate_index`: int64 array of grid positions, -1 outside."""
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lons and lats must have the same length")
        out = np.full(x.shape, -1, dtype=np.int64)
        if self._nx == 0 or x.size == 0:
            return out
        # NaN/inf compare False below, so they end up "outside" without a warning.
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self._x0) / self._cw)
            fy = np.floor((y - self._y0) / self._ch)
            inside = (fx >= 0) & (fx < self._nx) & (fy >= 0) & (fy < self._ny)
        pts = np.flatnonzero(inside)
        cells = fy[pts].astype(np.int64) * self._nx + fx[pts].astype(np.int64)
        answer = self._direct[cells]
        out[pts] = answer  # -1 and sure grids; -2 placeholders are overwritten below
        todo = answer == -2
        if not todo.any():
            return out
        pts, cells = pts[todo], cells[todo]
        out[pts] = -1
        # Expand each ambiguous point into (point, candidate grid) pairs ...
        starts = self._cand_ptr[cells]
        lens = self._cand_ptr[cells + 1] - starts
        pair_pt = np.repeat(pts, lens)
        offsets = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
        pair_grid = self._cand[np.repeat(starts, lens) + offsets]
        # ... then test them grid by grid (one prepared polygon, many coordinates).
        order = np.argsort(pair_grid, kind="stable")
        pair_pt, pair_grid = pair_pt[order], pair_grid[order]
        bounds = np.searchsorted(pair_grid, np.arange(len(self.geoms) + 1))
        hit = np.zeros(pair_pt.shape, dtype=bool)
        for g in np.flatnonzero(np.diff(bounds)):
            a, b = bounds[g], bounds[g + 1]
            p = pair_pt[a:b]
            hit[a:b] = shapely.intersects_xy(self.geoms[g], x[p], y[p])
        # Lowest grid index wins: pairs are sorted by grid, so write in reverse order
        # via minimum.at (explicit, not relying on fancy-assignment write order).
        best = np.full(x.shape, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, pair_pt[hit], pair_grid[hit].astype(np.int64))
        found = best[pts] != np.iinfo(np.int64).max
        out[pts[found]] = best[pts[found]]
        return out

    def locate_many(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`locate`.

        Integer grid ids → int64 array with -1 outside; other ids → object array with None.
        """
        idx = self.locate_many_index(lons, lats)
        if self._int_keys:
            out = np.full(idx.shape, -1, dtype=np.int64)
        else:
            out = np.full(idx.shape, None, dtype=object)
        found = idx >= 0
        out[found] = self._keys_arr[idx[found]]
        return out

    def locate_many_strtree(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Reference implementation with shapely.points + bulk STRtree query (slower).

        Kept for cross-checking and for the benchmark; returns grid positions, -1 outside.
        """
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        out = np.full(x.shape, -1, dtype=np.int64)
        if len(self.geoms) == 0 or x.size == 0:
            return out
        pt_idx, grid_idx = self.tree.query(shapely.points(x, y), predicate="intersects")
        best = np.full(x.shape, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, pt_idx, grid_idx.astype(np.int64))
        found = best != np.iinfo(np.int64).max
        out[found] = best[found]
        return out
