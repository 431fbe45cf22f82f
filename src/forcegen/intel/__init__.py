"""Intelligence and cyber-threat sharing: STIX 2.1 objects under security labels.

The compute-core side of TAXII 2.1 / STIX 2.1 sharing (no database or web code):

* :mod:`~forcegen.intel.markings`: TLP 2.0 marking definitions (OASIS ids) and the label
  marking definition, whose extension carries a STANAG 4774 label and its signature;
* :mod:`~forcegen.intel.objects`: STIX 2.1 objects validated with the ``stix2`` library
  (indicators, observed data, attack patterns, threat actors, reports, sightings, notes and
  what they refer to), their version and the force sector a report is about;
* :mod:`~forcegen.intel.signing`: an object bound to its label by the originating nation's
  signature; a bundle's objects paired with their labels and verified;
* :mod:`~forcegen.intel.bundle`: reading bundles and TAXII envelopes within limits, writing
  bundles;
* :mod:`~forcegen.intel.readers`: who may see and who may grant a label (a reader holds one
  clearance per policy), decided by :mod:`forcegen.labels`.

See ``docs/intel.md``.
"""

from __future__ import annotations

from forcegen.intel.bundle import make_bundle, read_bundle, read_envelope
from forcegen.intel.markings import LABEL_EXTENSION_ID, TLP_MARKINGS
from forcegen.intel.objects import ALLOWED_TYPES, object_version, sector_of, validate_object
from forcegen.intel.readers import Reader, may_grant, may_see
from forcegen.intel.signing import SignedObject, pair_labels, sign_object

__all__ = [
    "ALLOWED_TYPES",
    "LABEL_EXTENSION_ID",
    "TLP_MARKINGS",
    "Reader",
    "SignedObject",
    "make_bundle",
    "may_grant",
    "may_see",
    "object_version",
    "pair_labels",
    "read_bundle",
    "read_envelope",
    "sector_of",
    "sign_object",
    "validate_object",
]
