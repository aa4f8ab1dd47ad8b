"""Modules that moved when crawler/ was grouped by the stage a page travels, and
the clear error their old dotted paths now give.

Settings of a user's own may name our classes by their old paths (e.g.
`ITEM_PIPELINES = {"crawler.pipelines.dedup.DedupPipeline": 350}`). The old
paths do not keep working (no aliases: one name per module); importing one fails
with a ModuleNotFoundError that says where the module is now. The table
"Moved modules" in docs/ARCHITECTURE.md is this one.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

# old dotted path -> new dotted path (a package's submodules move with it)
MOVED_MODULES = {
    "crawler.accounting": "crawler.emit.accounting",
    "crawler.blocks": "crawler.fetch.blocks",
    "crawler.browser": "crawler.fetch.browser.handler",
    "crawler.browser_proxy": "crawler.fetch.browser.proxy",
    "crawler.challenges": "crawler.fetch.challenges",
    "crawler.classify": "crawler.discover.classify",
    "crawler.clean_timeout": "crawler.clean.timeout",
    "crawler.cleaning_pool": "crawler.clean.pool",
    "crawler.date_window": "crawler.discover.date_window",
    "crawler.distributed": "crawler.scale.distributed",
    "crawler.exporters": "crawler.emit.exporters",
    "crawler.extensions.summary": "crawler.emit.summary",
    "crawler.feeds": "crawler.emit.feeds",
    "crawler.links": "crawler.discover.links",
    "crawler.list_sources": "crawler.discover.list_sources",
    "crawler.middlewares.address_guard": "crawler.fetch.middlewares.address_guard",
    "crawler.middlewares.conditional": "crawler.fetch.middlewares.conditional",
    "crawler.middlewares.cookies": "crawler.fetch.middlewares.cookies",
    "crawler.middlewares.offsite_redirect": "crawler.fetch.middlewares.offsite_redirect",
    "crawler.middlewares.redirect_loop": "crawler.fetch.middlewares.redirect_loop",
    "crawler.middlewares.render": "crawler.fetch.browser.render",
    "crawler.middlewares.replay": "crawler.fetch.replay.middleware",
    "crawler.middlewares.retry_after": "crawler.fetch.middlewares.retry_after",
    "crawler.middlewares.site_limits": "crawler.fetch.middlewares.site_limits",
    "crawler.middlewares.soft_block": "crawler.fetch.middlewares.soft_block",
    "crawler.middlewares.spider_errors": "crawler.discover.middlewares.spider_errors",
    "crawler.middlewares.url_policy": "crawler.discover.middlewares.url_policy",
    "crawler.pipelines.attachments": "crawler.clean.attachments",
    "crawler.pipelines.clean": "crawler.clean.pipeline",
    "crawler.pipelines.date_window": "crawler.emit.date_window",
    "crawler.pipelines.dedup": "crawler.emit.dedup",
    "crawler.pipelines.errors": "crawler.emit.errors",
    "crawler.pipelines.validate": "crawler.emit.validate",
    "crawler.provenance": "crawler.emit.provenance",
    "crawler.redis_conn": "crawler.scale.redis_conn",
    "crawler.registry": "crawler.discover.registry",
    "crawler.responses": "crawler.fetch.responses",
    "crawler.run_report": "crawler.emit.run_report",
    "crawler.saved": "crawler.fetch.replay.saved",
    "crawler.security": "crawler.fetch.security",
    "crawler.site_indexes": "crawler.discover.site_indexes",
    "crawler.state": "crawler.emit.state",
    "crawler.url_policy": "crawler.discover.url_policy",
    "crawler.warc": "crawler.emit.warc",
}


def moves_for(name: str) -> list[tuple[str, str]]:
    """The moves an old dotted path falls under: its own, or those of a package that is gone."""
    for old, new in MOVED_MODULES.items():
        if name == old or name.startswith(old + "."):
            return [(name, new + name[len(old):])]
    return [(old, new) for old, new in MOVED_MODULES.items() if old.startswith(name + ".")]


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Asked right before the finder of files on sys.path (and so before an editable
    install's finder could serve another checkout's), about old names only: a file
    that answers to one is left to that finder; a bare directory (an old package
    left holding only `__pycache__` after a pull) would import as an empty
    namespace package, and gets the error instead."""

    def find_spec(self, fullname, path=None, target=None):
        moves = moves_for(fullname)
        if not moves:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.origin not in (None, "namespace"):
            return None  # a real module there: not ours to refuse
        where = ", ".join(f"{old} is now {new}" for old, new in moves)
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: crawler/ is grouped by stage ({where}); "
            "update the dotted paths in your settings (docs/ARCHITECTURE.md, \"Moved modules\")",
            name=fullname)


def install() -> None:
    if any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        return
    at = [i for i, finder in enumerate(sys.meta_path) if finder is importlib.machinery.PathFinder]
    sys.meta_path.insert(at[0] if at else len(sys.meta_path), MovedModuleFinder())
