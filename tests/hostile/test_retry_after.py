from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest

from crawler.fetch.middlewares.retry_after import backoff_seconds, retry_after_seconds


def test_retry_after_forms():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 <= retry_after_seconds(format_datetime(when, usegmt=True)) <= 31


@pytest.mark.parametrize("attempt,asked,wait", [(1, None, 1), (2, None, 2), (3, None, 4), (10, None, 60),
                                                (1, 5, 5), (3, 0, 4), (1, 600, 60)])
def test_backoff(attempt, asked, wait):
    assert backoff_seconds(attempt, 1.0, 60.0, asked) == wait
