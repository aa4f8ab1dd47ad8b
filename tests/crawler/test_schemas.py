"""The cleaner's schemas describe what the cleaning library returns, and nothing else;
the crawler's (crawler/schema/) extend them by reference with its provenance.

Real records: the cleaner's golden records (fixtures/golden/records/, what
clean_page returns) and the crawl's golden feeds (fixtures/golden/*.jsonl, what
`scrapy crawl` wrote, less the fields that change with every run).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cleaners.validation import validation_errors as cleaner_errors
from crawler.schema import validation_errors as crawl_errors

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "fixtures" / "golden"
CRAWLER_FIELDS = ("final_url", "redirect_urls", "site", "site_name", "spider", "crawl_id", "fetched_at",
                  "http", "rendered", "rendered_sha256", "version", "previous_content_sha256", "dup_of",
                  "mirror_of", "warc")
RUN = {"crawl_id": "20260101T000000Z-abcdef", "fetched_at": "2026-01-01T00:00:00Z"}  # left out of golden feeds


def cleaner_record() -> dict:
    return json.loads(next((GOLDEN / "records" / "sdjky").glob("*.json")).read_text(encoding="utf-8"))


def crawl_feed(site: str) -> list[dict]:
    lines = (GOLDEN / f"{site}.jsonl").read_text(encoding="utf-8").splitlines()
    return [{**json.loads(line), **RUN} for line in lines if line.strip()]


def crawl_record() -> dict:
    return next(r for r in crawl_feed("notices") if r.get("kind") != "attachment" and r["attachments"])


def crawl_attachment() -> dict:
    return next(r for r in crawl_feed("notices") if r.get("kind") == "attachment")


def test_the_cleaners_record_is_valid_and_so_is_the_clis():
    record = cleaner_record()
    assert cleaner_errors(record, "record") == []
    assert cleaner_errors({**record, "path": "saved/page.html"}, "record") == []


@pytest.mark.parametrize("field,value", [
    ("site", "sdjky"), ("spider", "provincial_portal"), ("crawl_id", RUN["crawl_id"]),
    ("http", {"status": 200, "content_type": None, "etag": None, "last_modified": None}),
    ("dup_of", None), ("warc", None), ("rendered", False)])
def test_a_crawler_field_is_refused_in_a_cleaner_record(field, value):
    problems = cleaner_errors({**cleaner_record(), field: value}, "record")
    assert len(problems) == 1 and f"'{field}'" in problems[0] and "not allowed" in problems[0]


def test_an_attachment_links_crawl_status_is_the_crawlers():
    record = cleaner_record()
    record["attachments"] = [{"url": "http://example.org/a.pdf", "title": "a.pdf"}]
    assert cleaner_errors(record, "record") == []
    record["attachments"][0].update(status="ok", id="0" * 24)
    assert cleaner_errors(record, "record") != []


def test_every_crawl_record_of_the_golden_feeds_is_valid():
    records = [r for site in ("sdjky", "notices", "mirror_en", "chce") for r in crawl_feed(site)]
    assert any(r.get("kind") == "attachment" for r in records)
    for record in records:
        name = "crawl-attachment" if record.get("kind") == "attachment" else "crawl-record"
        assert crawl_errors(record, name) == [], record["url"]


def test_a_crawl_record_needs_its_provenance():
    record = crawl_record()
    del record["spider"]
    assert crawl_errors(record, "crawl-record") == ["(record): 'spider' is a required property"]


def test_the_crawl_record_takes_every_crawler_field_and_the_cleaners_ones():
    record = crawl_record()
    record.update(rendered_sha256=None, version=2, previous_content_sha256="0" * 64, dup_of=None,
                  mirror_of=None, warc={"file": "a.warc.gz", "offset": 0})
    assert set(CRAWLER_FIELDS) <= set(record)
    assert crawl_errors(record, "crawl-record") == []
    assert crawl_errors({**crawl_attachment(), "version": 1, "dup_of": None}, "crawl-attachment") == []


@pytest.mark.parametrize("name,record", [
    ("record", cleaner_record()), ("crawl-record", crawl_record()),
    ("crawl-attachment", crawl_attachment())], ids=["record", "crawl-record", "crawl-attachment"])
def test_an_unknown_field_is_refused_by_both(name, record):
    validate = cleaner_errors if name == "record" else crawl_errors
    problems = validate({**record, "sumary": "x"}, name)
    assert len(problems) == 1 and "'sumary' was unexpected" in problems[0]
    if "attachments" in record:  # an article's attachment links are closed too
        nested = copy.deepcopy(record)
        nested["attachments"] = [*nested["attachments"], {"url": "http://example.org/a.pdf", "title": "a", "size": 1}]
        assert [p for p in validate(nested, name) if "'size' was unexpected" in p]


def test_the_cleaners_document_record_refuses_the_crawlers_fields():
    attachment = crawl_attachment()
    document = {k: v for k, v in attachment.items() if k not in
                ("attachment_of", "final_url", "redirect_urls", "site", "site_name", "site_type", "spider",
                 "crawl_id", "fetched_at", "http")}
    assert cleaner_errors(document, "attachment") == []
    assert cleaner_errors({**document, "path": "a.pdf"}, "attachment") == []
    problems = cleaner_errors({**document, "spider": "notices"}, "attachment")
    assert len(problems) == 1 and "'spider' was unexpected" in problems[0]


def test_error_records_of_the_cli_and_of_the_crawler():
    cli = {"error": "read", "reason": "symbolic link loop", "path": "a.html", "url": "file:///a.html",
           "raw_sha256": None, "cleaner_version": "1.2.0"}
    assert cleaner_errors(cli, "error") == []
    crawl = {"error": "http", "reason": "HTTP 404", "url": "http://example.org/gone", "spider": "generic",
             "crawl_id": RUN["crawl_id"], "site": "example", "fetched_at": RUN["fetched_at"],
             "http": {"status": 404}, "final_url": "http://example.org/gone"}
    assert crawl_errors(crawl, "crawl-error") == []
    assert any("'spider'" in p for p in cleaner_errors(crawl, "error"))
    assert crawl_errors({"reason": "x", "url": "u"}, "crawl-error") == ["(record): 'error' is a required property"]


# The Parquet feed's columns and types before the schemas were split: a feed written
# today must load together with one written then (same names, order and types).
PARQUET_COLUMNS = [
    ("id", "string"), ("url", "string"), ("canonical_url", "string"), ("site_type", "string"),
    ("title", "string"), ("published_at", "string"), ("source", "string"), ("author", "string"),
    ("editor", "string"), ("metadata_source", "string"), ("lang", "string"), ("script", "string"),
    ("text", "string"),
    ("attachments", "list<item: struct<url: string, title: string, id: string, status: string, "
                    "sha256: string, bytes: int64, content_type: string, format: string>>"),
    ("encoding", "struct<used: string, http: string, meta: string, bom: string, detected: string, "
                 "confidence: double, replacement_chars: int64, reason: string>"),
    ("cleaning", "string"), ("content_sha256", "string"), ("raw_sha256", "string"), ("simhash", "string"),
    ("spam", "struct<score: double, signals: list<item: string>>"), ("cleaner_version", "string"),
    ("page_kind", "string"), ("part_urls", "list<item: string>"), ("final_url", "string"),
    ("redirect_urls", "list<item: string>"), ("site", "string"), ("site_name", "string"),
    ("spider", "string"), ("crawl_id", "string"), ("fetched_at", "string"),
    ("http", "struct<status: int64, content_type: string, etag: string, last_modified: string>"),
    ("rendered", "bool"), ("rendered_sha256", "string"), ("version", "int64"),
    ("previous_content_sha256", "string"), ("dup_of", "string"), ("mirror_of", "string"), ("warc", "string"),
    ("path", "string"),
    # an attachment record's own fields (it shares the feed): after the article's
    ("kind", "string"), ("filename", "string"), ("format", "string"), ("content_type", "string"),
    ("bytes", "int64"), ("pages", "int64"), ("extractor", "string"), ("attachment_of", "string"),
    ("list_url", "string"), ("attached_to", "list<item: string>"),
]


def test_the_parquet_and_csv_columns_are_unchanged():
    pytest.importorskip("pyarrow")
    from crawler.emit.exporters import arrow_schema, record_fields

    assert [(f.name, str(f.type)) for f in arrow_schema()] == PARQUET_COLUMNS
    assert record_fields() == [name for name, _ in PARQUET_COLUMNS]
    assert set(CRAWLER_FIELDS) <= set(record_fields())


def pipeline(**settings):
    from scrapy.utils.test import get_crawler

    from crawler.emit.validate import ValidatePipeline

    crawler = get_crawler(settings_dict=settings)
    return ValidatePipeline(crawler)


def test_the_validate_pipeline_checks_each_kind_against_the_crawlers_schema():
    from crawler.items import ArticleRecord, ErrorRecord

    validate = pipeline()
    assert (validate.record_schema, validate.attachment_schema, validate.error_schema) == \
        ("crawl-record", "crawl-attachment", "crawl-error")
    record = ArticleRecord(crawl_record())
    assert validate.process_item(record) is record
    attachment = ArticleRecord(crawl_attachment())
    assert validate.process_item(attachment) is attachment
    refused = validate.process_item(ArticleRecord({**crawl_record(), "sumary": "x"}))
    assert isinstance(refused, ErrorRecord) and refused["error"] == "validate" and "'sumary'" in refused["reason"]


def test_a_schema_directory_of_ones_own_replaces_the_shipped_ones(tmp_path):
    from crawler.items import ArticleRecord, ErrorRecord

    (tmp_path / "record.schema.json").write_text(json.dumps(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["id", "site"]}))
    validate = pipeline(VALIDATE_SCHEMA_DIR=str(tmp_path))
    assert (validate.record_schema, validate.attachment_schema, validate.error_schema) == ("record", "record", None)
    assert isinstance(validate.process_item(ArticleRecord({"id": "x", "site": "s", "anything": 1})), ArticleRecord)
    assert isinstance(validate.process_item(ArticleRecord({"id": "x"})), ErrorRecord)


def _mutations(record: dict):
    """The record broken one way at a time: a field gone, of another type, an unknown field,
    at the top and one level down (objects, and the objects of lists)."""
    wrong = {str: 12345, int: "12", float: "1.5", bool: "yes", list: "x", dict: ["x"], type(None): {"x": 1}}
    yield {**record, "unknown_field": 1}
    for name, value in record.items():
        yield {k: v for k, v in record.items() if k != name}
        yield {**record, name: wrong[type(value)]}
        inner = value if isinstance(value, dict) else (value[0] if isinstance(value, list) and value
                                                       and isinstance(value[0], dict) else None)
        if inner is None:
            continue
        for key, sub in [(None, None), *inner.items()]:
            changed = {**inner, "unknown_field": 1} if key is None else {**inner, key: wrong[type(sub)]}
            yield {**record, name: changed if isinstance(value, dict) else [changed, *value[1:]]}


@pytest.mark.parametrize("schema,records", [
    ("record", lambda: [cleaner_record()]),
    ("crawl-record", lambda: [r for s in ("notices", "sdjky", "hanweb_jyt", "mirror_spam") for r in crawl_feed(s)
                              if r.get("kind") != "attachment"]),
    ("crawl-attachment", lambda: [r for r in crawl_feed("notices") if r.get("kind") == "attachment"]),
])
def test_the_fast_check_gives_the_verdict_of_the_schema_as_written(schema, records):
    """Valid records pass the fast check (fastjsonschema over the merged schema); a record it
    refuses is judged by jsonschema over the schema as written: the two must agree on every
    real record and every broken copy of one."""
    from cleaners import validation
    from crawler.schema import SCHEMA_DIRS

    dirs = validation.SCHEMA_DIR if schema == "record" else SCHEMA_DIRS
    fast, full = validation._fast_validator(schema, dirs), validation.validator(schema, dirs)
    assert fast is not None
    checked = refused = 0
    for record in records():
        for case in [record, *_mutations(record)]:
            assert validation._valid_fast(case, schema, dirs) == full.is_valid(case), \
                (schema, sorted(set(case) ^ set(record)), case)
            checked += 1
            refused += not full.is_valid(case)
    assert checked > 50 and refused > checked // 3
