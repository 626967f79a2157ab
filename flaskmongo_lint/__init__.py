"""flaskmongo-lint: a static security linter for Flask + PyMongo code."""

__version__ = "0.1.0"
