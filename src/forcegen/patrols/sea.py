"""Sea distances that go around land, for patrols: see :mod:`forcegen.network.sea`.

The sea router lives in the network layer so that the response analysis (readiness) can sail
ships around land with it too; patrols keep importing it from here.
"""

from forcegen.network.sea import SeaLegs, SeaRoutes, land_rings, on_land, sea_routes

__all__ = ["SeaLegs", "SeaRoutes", "land_rings", "on_land", "sea_routes"]
