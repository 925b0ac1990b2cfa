"""Københavns Kommune budget PDFs -> clean, typed Parquet tables."""

__version__ = "0.1.0"
