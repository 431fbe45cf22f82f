"""Reports: offline maps and charts (:mod:`forcegen.report.maps`)."""

__all__: list[str] = []
