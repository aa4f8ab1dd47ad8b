import pytest

from tests.hostile import scenarios


@pytest.fixture(scope="module")
def server_faults(tmp_path_factory):
    return scenarios.run_server_faults(tmp_path_factory.mktemp("server-faults"))


@pytest.fixture(scope="module")
def bad_content(tmp_path_factory):
    return scenarios.run_bad_content(tmp_path_factory.mktemp("bad-content"))
