"""Reviewing the knowledge base: the integrity check, missing works, and curation by hand."""
