"""Suite-wide: no test lets the project reach beyond loopback (tests/netguard.py)."""

import pytest

from tests import netguard


def pytest_configure(config) -> None:
    netguard.pytest_configure(config)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    netguard.check_report(outcome.get_result())
