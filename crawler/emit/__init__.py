"""Emit: a clean record becomes a line of the feed, or an error record; every page is counted.

Item pipelines (settings.ITEM_PIPELINES), as a page travels; the first and the
third are the clean stage's (crawler/clean/):
CleanPipeline (300, crawler/clean/pipeline.py: PageItem -> article record, in the cleaning pool)
-> DateWindowPipeline (310, date_window.py: -a since/until by the cleaned published_at;
   outside it, the named drop `outside_dates`)
-> AttachmentPipeline (320, crawler/clean/attachments.py: fetches and reads the
   article's attachments; their records go through the pipelines below before the article;
   reads the documents lists link as entries, DocumentItem -> attachment record)
-> WarcPointerPipeline (330, warc.py: where the response lies in the WARC)
-> DedupPipeline (350, dedup.py: state store: new / changed / unchanged / near-duplicate)
-> ValidatePipeline (400, validate.py: the JSON Schema, so dedup's fields are checked too)
-> ErrorRecordPipeline (900, errors.py: error records to the errors file, never the feed).
Error records pass through untouched until the last. The feed itself is written
by state/feed.py's exporter: one fsynced line, then the store's commit (other
formats: exporters.py). provenance.py is the crawler's part of every record.

Extensions: feeds.py's FeedGuard (50: the run's feed files named and locked),
state/extension.py (100: the state store opened, crashed runs reconciled, the run
closed), summary.py (500: the end-of-crawl summary, with accounting.py's ledger:
pages = articles + documents + list pages + article parts + error records + named drops).
run_report.py is what `python -m crawler.run_all` prints from those summaries.
"""
