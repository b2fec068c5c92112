"""Questions about the citation graph: NetworkX algorithms, trends, and the analyses
over the database."""
