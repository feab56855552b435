"""Point → grid lookup for routing; the implementation lives in :mod:`shanzhi.orgs.geo`."""

from shanzhi.orgs.geo import GeometryError, GridLocator

__all__ = ["GeometryError", "GridLocator"]
