"""One way to make a HiGHS solver in this process.

HiGHS keeps a single thread pool per process, sized by the first solve; a later run whose
``threads`` option differs fails with model status "Not Set". Sourcing and siting models can
meet in one process (the workspace server, the test suite), so every solver comes from here
with the same thread count.
"""

from __future__ import annotations

import os

import highspy

__all__ = ["HIGHS_THREADS", "new_highs"]

#: Threads for every HiGHS run in this process: a second thread speeds up the large sourcing
#: LPs (16 s instead of 37 s at 10,000 lines / 50,000 pledges) and costs nothing on small ones.
HIGHS_THREADS = max(1, min(4, int(os.environ.get("FORCEGEN_HIGHS_THREADS", 0))
                       or (os.cpu_count() or 1)))


def new_highs() -> highspy.Highs:
    """A quiet ``Highs`` instance using the process-wide thread count."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", HIGHS_THREADS)
    return h
