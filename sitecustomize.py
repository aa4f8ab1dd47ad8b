"""Test support only: when the test suite runs (EDUNEWS_NETGUARD_LOG set), every
Python process it starts with the project on PYTHONPATH refuses to reach beyond
loopback (tests/netguard.py). Without that variable this file does nothing but
run the `sitecustomize` it shadows, if the interpreter has one."""

import os
import sys


def _run_shadowed() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        path = os.path.join(os.path.abspath(entry or os.curdir), "sitecustomize.py")
        if os.path.dirname(path) != here and os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                exec(compile(fh.read(), path, "exec"), {"__name__": "sitecustomize", "__file__": path})
            return


_run_shadowed()
if os.environ.get("EDUNEWS_NETGUARD_LOG"):
    try:
        from tests import netguard
    except ImportError:  # the project root is not on the path after all
        pass
    else:
        netguard.install()
