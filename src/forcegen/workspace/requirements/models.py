"""The package's three tables, each defined in a module of its own.

:mod:`.requirement` holds ``requirements``, :mod:`.sector` ``sectors`` and
:mod:`.capability` ``capabilities``. Importing this module maps all three (``Requirement``
refers to ``sectors`` by foreign key).
"""

from forcegen.workspace.requirements.capability import CatalogEntry
from forcegen.workspace.requirements.requirement import Requirement
from forcegen.workspace.requirements.sector import Sector

__all__ = ["CatalogEntry", "Requirement", "Sector"]
