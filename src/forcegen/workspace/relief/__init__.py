"""Disaster relief in the workspace: events, requests, offers and their delivery cycle.

``events`` and ``requests`` are read by every role (labels decide what each sees) and changed
by planners; ``offers`` follow the pledges' rules (a nation's liaison manages its own, an
observer reads its own) and move through ``offered -> committed -> in-transit -> delivered``
or ``released`` as :func:`forcegen.relief.transition` allows, each change stored with who and
when. ``exchange`` imports EDXL-RM and HXL files, ``matching`` runs the core's matching over
what a planner may see, ``board`` sums open requests for the dashboard.
"""
