"""Item pipelines: thin adapters between Scrapy items and the cleaners library.

Order (settings.ITEM_PIPELINES), as a page travels:
CleanPipeline (300: PageItem -> article record, in the cleaning pool)
-> AttachmentPipeline (320: fetches and reads the article's attachments; their
   records go through the pipelines below before the article)
-> WarcPointerPipeline (330, crawler/emit/warc.py: where the response lies in the WARC)
-> DedupPipeline (350: state store: new / changed / unchanged / near-duplicate)
-> ValidatePipeline (400: the JSON Schema, so dedup's fields are checked too)
-> ErrorRecordPipeline (900: error records to the errors file, never the feed).
Error records pass through untouched until the last. The feed itself is written
by crawler/emit/state/feed.py's exporter: one fsynced line, then the store's commit.
"""
