"""Deployment planning: in what order the force moves, and the day it closes.

The force moves with the lift and ports it has (issue 12). Compute core only: no database or
web imports.

>>> from forcegen.deployment import load_deployment, plan_deployment  # doctest: +SKIP
>>> plan_deployment(load_deployment("my-scenario")).plan.closure  # doctest: +SKIP
"""

from forcegen.deployment.held import deployment_from_scenario
from forcegen.deployment.model import (
    Deployment,
    LiftType,
    Movement,
    Port,
    load_deployment,
    with_lift,
)
from forcegen.deployment.result import DeploymentResult, plan_deployment

__all__ = ["Deployment", "DeploymentResult", "LiftType", "Movement", "Port",
           "deployment_from_scenario", "load_deployment", "plan_deployment", "with_lift"]
