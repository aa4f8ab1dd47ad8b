"""The discover stage's spider middlewares (their order: crawler/discover/__init__.py)."""
