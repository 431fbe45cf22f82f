"""Scenario import and export between files and the database: the package's public face.

Each job lives in its own module; import from here:

- ``upload.py``: what an uploaded file is, a zip unpacked safely, validation;
- ``importer.py``: the validated scenario written over the workspace's planning data
  (``import_labels.py``: the items' labels, read from the file and checked);
- ``records.py``: database rows as scenario records (shared by export and runs);
- ``export.py``: the workspace as a file (zip, xlsx, yaml);
- ``runnable.py``: the rows as the core's ``Scenario`` for a sourcing run.
"""

from __future__ import annotations

from forcegen.workspace.scenarios.export import EXPORT_FORMATS, export_bytes, to_dict
from forcegen.workspace.scenarios.importer import ImportSummary, import_scenario
from forcegen.workspace.scenarios.records import FILE_KEYS, stored_files
from forcegen.workspace.scenarios.upload import file_sha256, parse_upload

__all__ = [
    "EXPORT_FORMATS",
    "FILE_KEYS",
    "ImportSummary",
    "export_bytes",
    "file_sha256",
    "import_scenario",
    "parse_upload",
    "stored_files",
    "to_dict",
]
