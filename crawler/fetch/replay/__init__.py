"""Offline replay: saved responses answer the crawl instead of the network.

- saved.py: saved sites on disk (the fixtures' format), read and looked up;
- middleware.py: the downloader middleware that answers from them (REPLAY_DIR).
"""
