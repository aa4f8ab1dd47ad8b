"""Every WARC file the crawler writes opens with its warcinfo record, rolled-over ones too."""

from __future__ import annotations

from io import BytesIO

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from crawler.emit.warc import WarcFile


def a_record(n: int):
    writer = WARCWriter(BytesIO(), gzip=True)
    return writer.create_warc_record(f"http://example.edu.cn/{n}.html", "resource",
                                     payload=BytesIO(b"x" * 2000), length=2000,
                                     warc_content_type="text/html")


def test_each_file_opens_with_warcinfo_even_after_a_rollover(tmp_path):
    warc = WarcFile(tmp_path / "run.warc.gz", max_size=1, info={"isPartOf": "crawl-1", "spider": "generic"})
    for n in range(3):
        warc.write([a_record(n)])
    warc.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == 3
    for path in files:
        with open(path, "rb") as fh:
            records = list((r.rec_type, r.content_stream().read()) for r in ArchiveIterator(fh))
        assert [t for t, _ in records] == ["warcinfo", "resource"]
        assert b"isPartOf: crawl-1" in records[0][1]


def test_appending_to_a_file_adds_no_second_warcinfo(tmp_path):
    for n in range(2):
        warc = WarcFile(tmp_path / "run.warc.gz", max_size=10 ** 9, info={"isPartOf": "crawl-1"})
        warc.write([a_record(n)])
        warc.close()
    with open(tmp_path / "run.warc.gz", "rb") as fh:
        assert [r.rec_type for r in ArchiveIterator(fh)] == ["warcinfo", "resource", "resource"]
