"""Item pipelines: thin adapters between Scrapy items and the cleaners library.

Order (settings.ITEM_PIPELINES): CleanPipeline (300) -> ValidatePipeline (400)
-> ErrorRecordPipeline (900). Error records pass through untouched until the
last, which writes them to the errors file and keeps them out of the feed.
"""
