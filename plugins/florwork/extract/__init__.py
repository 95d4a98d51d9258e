"""Extraction of the sources (the databases of contracts.DATABASE_SOURCES and the CO files) into the raw layer."""
