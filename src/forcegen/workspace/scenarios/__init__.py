"""Scenario import and export (YAML folder zip, single YAML, XLSX) to and from the database."""
