"""Participating nations."""
