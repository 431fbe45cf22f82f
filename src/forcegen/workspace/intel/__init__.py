"""Intelligence sharing in the workspace: STIX objects stored per collection, under labels.

* :mod:`~forcegen.workspace.intel.models`: the tables (collections, objects, status resources);
* :mod:`~forcegen.workspace.intel.readers`: a workspace user as a :class:`forcegen.intel.Reader`;
* :mod:`~forcegen.workspace.intel.store`: adding objects, and reading them filtered per reader;
* :mod:`~forcegen.workspace.intel.cursor`: the signed, stateless paging cursor.

The TAXII 2.1 API over it is ``forcegen.workspace.api.taxii``. See ``docs/intel.md``.
"""
