"""Inputs into the database: loading BibTeX files, building a survey folder, file
identities, citation edges, mention resolution, enrichment from the citation indexes."""
