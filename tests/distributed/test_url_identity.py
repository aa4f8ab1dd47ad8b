"""One URL identity in a distributed crawl: the Redis dupefilter, the emitted
set and the record ids agree, so one article linked under seven variants is
fetched once and written once across two workers."""

from __future__ import annotations

import pytest

from tests.crawler.test_url_identity import VariantsSite, assert_one_article
from tests.distributed.workers import Worker

pytestmark = pytest.mark.redis


def test_two_workers_give_one_record_with_one_id(tmp_path, redis_url):
    with VariantsSite() as site:
        workers = [Worker(f"w{i}", tmp_path, redis_url, site.start_url, spider="quality_education")
                   for i in range(2)]
        codes = [w.wait(120) for w in workers]
        assert codes == [0, 0], [w.log.read_text()[-2000:] for w in workers]
        assert_one_article([r for w in workers for r in w.records()], site)
