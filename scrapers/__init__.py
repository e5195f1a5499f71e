"""Fetching and pure parsing of event sources. The kind → parser registry is
`scrapers.registry.PARSERS`; nothing here imports Prefect or DuckDB."""
