"""Incremental crawling: what earlier runs emitted (crawler/emit/state/store.py).

    from crawler.emit.state import open_store
    store = open_store("sqlite:///state/crawl-state.db")   # or "redis://127.0.0.1:6379/0"
"""

from crawler.emit.state.store import Article, Decision, StateStore, open_store

__all__ = ["Article", "Decision", "StateStore", "open_store"]
