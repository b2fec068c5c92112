"""Command-line layer: the Typer app, one module per command group, thin wrappers."""
