"""The statement of requirements, with the sectors and capability types it refers to."""
