"""Import every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from forcegen.workspace.accounts import User
from forcegen.workspace.audit.models import AuditEntry, AuditHead, AuditNode, AuditTreeHead
from forcegen.workspace.auth.models import ApiToken, BrowserSession, LoginAttempt
from forcegen.workspace.database import Base
from forcegen.workspace.intel.models import (
    IntelCollection,
    IntelObject,
    IntelSecret,
    IntelStatus,
    IntelSync,
)
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.reference import Nation, WorkspaceMeta
from forcegen.workspace.relief.models import (
    ReliefEvent,
    ReliefOffer,
    ReliefRequest,
    ReliefRun,
    ReliefStatusStep,
)
from forcegen.workspace.requirements.models import CatalogEntry, Requirement, Sector
from forcegen.workspace.runs.deploy_models import DeploymentRun
from forcegen.workspace.runs.models import SourcingRun

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "AuditNode",
    "AuditTreeHead",
    "Base",
    "BrowserSession",
    "CatalogEntry",
    "DeploymentRun",
    "IntelCollection",
    "IntelObject",
    "IntelSecret",
    "IntelStatus",
    "IntelSync",
    "LoginAttempt",
    "Nation",
    "Pledge",
    "ReliefEvent",
    "ReliefOffer",
    "ReliefRequest",
    "ReliefRun",
    "ReliefStatusStep",
    "Requirement",
    "Sector",
    "SourcingRun",
    "User",
    "WorkspaceMeta",
]
