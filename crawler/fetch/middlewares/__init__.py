"""The fetch stage's downloader middlewares (their order: crawler/fetch/__init__.py)."""
