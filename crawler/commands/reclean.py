"""`scrapy reclean FILE.warc.gz -o out.jsonl`: the same as `python -m crawler.reclean`."""

from __future__ import annotations

from typing import Any

from scrapy.commands import ScrapyCommand


class Command(ScrapyCommand):
    requires_crawler_process = False

    def syntax(self) -> str:
        return "FILE.warc.gz [...] [-o out.jsonl] [--errors errors.jsonl]"

    def short_desc(self) -> str:
        return "Clean the responses of WARC files again with the current cleaner, without the network"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", help="JSONL file to write (default: stdout)")
        parser.add_argument("--errors", help="JSONL file for the pages that failed to clean")

    def run(self, args: list[str], opts: Any) -> None:
        from crawler.reclean import main

        argv = list(args)
        if opts.output:
            argv += ["-o", opts.output]
        if opts.errors:
            argv += ["--errors", opts.errors]
        self.exitcode = main(argv)
