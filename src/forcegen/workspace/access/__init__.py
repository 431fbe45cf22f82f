"""Who may do what. Default deny: anything not granted here is refused.

Roles (``accounts.USER_ROLES``):

=============  ==========================================================================
admin          everything, including accounts
lead_planner   sees and changes all planning data, runs sourcing, imports and exports
liaison        sees requirements; creates, edits and moves through approval only their own
               nation's pledges; sees their own nation's assignments; other nations' pledges
               only as totals
observer       read-only: requirements, their own nation's pledges and assignments, totals
=============  ==========================================================================

Labels then narrow what each user sees, whatever their role: every item's STANAG 4774 label
(``label_store``) is decided by the labels engine (``forcegen.labels.decide``) against the
user's clearances and memberships (``readers``). :func:`can_see_label` is that decision;
:func:`label_visible` the same rule compiled to SQL (``label_sql``, a pre-filter: rows served
are decided again, and a property test checks the two agree); :func:`checked_columns` what an
editor may set.

Rules for records outside a user's scope: reading or changing them answers "not found" (404), so
a user cannot learn that they exist. A role that may never do an action gets 403.

Modules: :mod:`.scope` (roles, nation scope, label visibility), :mod:`.labelling` (what label
an editor may set, and who may loosen one), :mod:`.ids` (the create-conflict rule: chosen ids
and workspace-assigned ones). Every name is importable from here.
"""

from __future__ import annotations

from forcegen.workspace.access.ids import check_chosen_id, hides_rows, id_taken, new_id
from forcegen.workspace.access.labelling import (
    checked_columns,
    checked_label,
    label_given,
    loosens,
    relabel,
    require_may_loosen,
)
from forcegen.workspace.access.scope import (
    ADMIN,
    LEAD,
    LIAISON,
    OBSERVER,
    PLANNERS,
    LabelScope,
    can_see_label,
    can_see_nation,
    clearance_of,
    is_planner,
    label_probe,
    label_visible,
    labels_may_hide,
    nation_scope,
    require_role,
    require_visible_nation,
)

__all__ = [
    "ADMIN",
    "LEAD",
    "LIAISON",
    "OBSERVER",
    "PLANNERS",
    "LabelScope",
    "can_see_label",
    "can_see_nation",
    "check_chosen_id",
    "checked_columns",
    "checked_label",
    "clearance_of",
    "hides_rows",
    "id_taken",
    "is_planner",
    "label_given",
    "label_probe",
    "label_visible",
    "labels_may_hide",
    "loosens",
    "nation_scope",
    "new_id",
    "relabel",
    "require_may_loosen",
    "require_role",
    "require_visible_nation",
]
