"""Test support only: when the test suite runs (EDUNEWS_NETGUARD_LOG set), every
Python process it starts with the project on PYTHONPATH refuses to reach beyond
loopback (tests/netguard.py). Without that variable this file does nothing."""

import os

if os.environ.get("EDUNEWS_NETGUARD_LOG"):
    try:
        from tests import netguard
    except ImportError:  # the project root is not on the path after all
        pass
    else:
        netguard.install()
