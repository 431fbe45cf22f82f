"""Great-circle geometry on the WGS84 sphere approximation (mean Earth radius).

Distances here are straight lines over the Earth's surface; road, sea and air lengths are derived
from them with the factors documented in :mod:`forcegen.network.speeds`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["EARTH_RADIUS_KM", "chord_to_km", "haversine_km", "unit_vectors"]

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in km between points given in degrees (broadcasts).

    Parameters
    ----------
    lon1, lat1
        First points, degrees.
    lon2, lat2
        Second points, degrees (broadcast against the first).

    Returns
    -------
    numpy.ndarray
        Kilometres on a sphere of the Earth's mean radius.

    Examples
    --------
    >>> round(float(haversine_km(21.01, 52.23, 30.52, 50.45)))  # Warsaw to Kyiv
    689
    """
    lam1, phi1, lam2, phi2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    h = np.sin((phi2 - phi1) / 2) ** 2 + (
        np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def unit_vectors(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """Earth-centred unit vectors, shape ``(n, 3)``.

    The chord between two unit vectors grows monotonically with the great-circle distance, so a
    k-d tree on these finds true nearest neighbours anywhere on the globe (no projection seams).
    """
    lam = np.radians(np.atleast_1d(np.asarray(lon, dtype=float)))
    phi = np.radians(np.atleast_1d(np.asarray(lat, dtype=float)))
    cphi = np.cos(phi)
    return np.column_stack([cphi * np.cos(lam), cphi * np.sin(lam), np.sin(phi)])


def chord_to_km(chord: NDArray[np.float64]) -> NDArray[np.float64]:
    """Convert a unit-sphere chord length into great-circle km."""
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0)))
