"""Security labels: policies, STANAG 4774 labels, access decisions, binding, Merkle audit log.

The compute-core home of confidentiality labelling (no database or web code):

* :mod:`~forcegen.labels.policy`, :mod:`~forcegen.labels.registry`: security policy files
  (NATO, GBR, NZL illustrative; TLP 2.0) with equivalences between them;
* :mod:`~forcegen.labels.label`, :mod:`~forcegen.labels.xml`: labels in the STANAG 4774
  structure, their validation, display marking, XML (4774 namespace) and JSON forms;
* :mod:`~forcegen.labels.decide`, :mod:`~forcegen.labels.fast`: access decisions by the 4774
  rules, explained one at a time, vectorised over numpy bitsets for many;
* :mod:`~forcegen.labels.keys`, :mod:`~forcegen.labels.binding`,
  :mod:`~forcegen.labels.bindingxml`: Ed25519 keys per nation with rotation and a published
  key list; label + content bound by a signature (STANAG 4778 spirit), as JSON or as XML in
  the 4778 binding-information structure;
* :mod:`~forcegen.labels.merkle`, :mod:`~forcegen.labels.auditlog`: an RFC 6962 Merkle log
  with signed tree heads, inclusion and consistency proofs;
* :mod:`~forcegen.labels.legacy`: the workspace's five levels as labels under the NATO policy.

See ``docs/labels.md``.
"""

from __future__ import annotations

from forcegen.labels.policy import CategoryDef, Classification, Policy, load_policy
from forcegen.labels.registry import PolicySet, default_policies, load_policies

__all__ = [
    "CategoryDef",
    "Classification",
    "Policy",
    "PolicySet",
    "default_policies",
    "load_policies",
    "load_policy",
]
