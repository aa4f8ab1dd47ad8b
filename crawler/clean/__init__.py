"""Clean: a fetched page becomes a clean, attributed record, through the cleaners library.

- pipeline.py: CleanPipeline (item pipeline 300): PageItem -> article record by
  `cleaners.clean_page`, or an error record;
- pool.py: the process pool it cleans in (cleaning is CPU-bound; the reactor keeps
  downloading); timeout.py: the per-page time limit (CLEAN_TIMEOUT);
- attachments.py: AttachmentPipeline (320): the article's attachments fetched and
  read by `cleaners.documents`, each a record of its own;
- release_parsed.py: ReleaseParsedMiddleware (spider middleware 5): a page waiting
  to be cleaned holds its bytes, not Scrapy's decoded text and parsed tree.
The whole chain of item pipelines, in order: crawler/emit/__init__.py.
"""
