"""Import every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from forcegen.workspace.audit.models import AuditEntry, AuditHead
from forcegen.workspace.auth.models import ApiToken, BrowserSession, LoginAttempt
from forcegen.workspace.database import Base
from forcegen.workspace.nations.models import Nation
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.requirements.models import CatalogEntry, Requirement, Sector
from forcegen.workspace.runs.models import SourcingRun
from forcegen.workspace.scenarios.models import WorkspaceMeta
from forcegen.workspace.users.models import User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "BrowserSession",
    "CatalogEntry",
    "LoginAttempt",
    "Nation",
    "Pledge",
    "Requirement",
    "Sector",
    "SourcingRun",
    "User",
    "WorkspaceMeta",
]
