"""Sourcing runs executed in the background, with progress and stored results."""
