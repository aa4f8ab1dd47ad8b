"""`scrapy check`: the spiders' contracts, run on the saved sites (fixtures/), offline.

The contracts' @url addresses are pages of the saved sites. Unless REPLAY_DIR
is given, the checkout's fixtures/ answers them (no network); `-s REPLAY_DIR=`
with another directory, or `-s REPLAY_DIR=off` to check against the live sites.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.commands.check import Command as ScrapyCheck
from scrapy.utils.conf import closest_scrapy_cfg


def fixtures_dir() -> str:
    cfg = closest_scrapy_cfg()
    if not cfg:
        return ""
    path = Path(cfg).parent / "fixtures"
    return str(path) if path.is_dir() else ""


class Command(ScrapyCheck):
    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        replay = self.settings.get("REPLAY_DIR")
        if replay == "off":
            self.settings.set("REPLAY_DIR", "", priority="cmdline")
        elif not replay:
            self.settings.set("REPLAY_DIR", fixtures_dir(), priority="cmdline")
