"""forcegen: build a multinational force and make it ready fast.

The library is the product; the CLI, the web workspace and the API are thin layers over it:

- :mod:`forcegen.scenario` reads, validates and writes scenario files;
- :mod:`forcegen.sourcing` matches pledges to requirements (exact, lexicographic);
- :mod:`forcegen.network` and :mod:`forcegen.readiness` answer "how fast, from where";
- :mod:`forcegen.workspace` and :mod:`forcegen.web` run the coalition workspace.
"""

from forcegen.exceptions import ForcegenError, InputError, Problem, ScenarioError

__version__ = "0.2.0"  # the only place the version is written (pyproject reads it)

__all__ = ["ForcegenError", "InputError", "Problem", "ScenarioError", "__version__"]
