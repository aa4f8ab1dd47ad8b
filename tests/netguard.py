"""No test may let the project reach beyond loopback.

Installed in the pytest process (tests/conftest.py) and, through the root
`sitecustomize.py`, in every Python process the tests start (crawls in
subprocesses, their cleaning workers): those inherit EDUNEWS_NETGUARD_LOG and
find `sitecustomize` on PYTHONPATH (the project root).

What counts as an attempt, in any of those processes:
- connect()/sendto() on an IPv4/IPv6 socket to an address outside 127.0.0.0/8
  and ::1 (Unix sockets and loopback are fine);
- a name lookup (getaddrinfo, gethostbyname) of a name other than an IP literal
  or localhost: it sends a query to the DNS server, about a host that no test
  site has. One caller is exempt: the crawl's own address policy
  (crawler/fetch/security.py), which resolves the host a request names to judge it.

Each attempt is refused (OSError / gaierror) and written to the log with the
process and the call site; the test during which it happened fails, naming it.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys
import tempfile
import traceback

ENV = "EDUNEWS_NETGUARD_LOG"
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# Modules whose name lookups are the crawl's own business (judging a requested host).
EXEMPT_LOOKUPS = ("crawler/fetch/security.py",)

_installed = False


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback or ip.is_unspecified


def is_local_name(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("idna", "replace")
    host = str(host).strip("[]").rstrip(".").lower()
    if not host or host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.split("%")[0])
        return True  # a literal: no lookup is sent (the connect is judged on its own)
    except ValueError:
        return False


def _record(what: str, target) -> None:
    path = os.environ.get(ENV)
    frames = [f for f in traceback.extract_stack()[:-2] if "netguard" not in f.filename][-6:]
    where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(frames))
    line = f"pid {os.getpid()} {what} {target!r} at {where}\n"
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
    else:
        sys.stderr.write("netguard: " + line)


def _exempt_lookup() -> bool:
    return any(f.filename.replace(os.sep, "/").endswith(EXEMPT_LOOKUPS) for f in traceback.extract_stack())


def install() -> None:
    """Wrap the socket functions of this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    base = socket.socket

    def guarded_address(sock, address) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True
        host = address[0] if isinstance(address, tuple) else address
        return is_loopback(host)

    class GuardedSocket(base):
        def connect(self, address):
            if not guarded_address(self, address):
                _record("connect", address)
                raise OSError(errno.ENETUNREACH, f"netguard: no connection beyond loopback ({address!r})")
            return super().connect(address)

        def connect_ex(self, address):
            if not guarded_address(self, address):
                _record("connect", address)
                return errno.ENETUNREACH
            return super().connect_ex(address)

        def sendto(self, data, *args):
            address = args[-1]
            if not guarded_address(self, address):
                _record("sendto", address)
                raise OSError(errno.ENETUNREACH, f"netguard: no datagram beyond loopback ({address!r})")
            return super().sendto(data, *args)

    GuardedSocket.__name__ = GuardedSocket.__qualname__ = "socket"
    socket.socket = GuardedSocket

    def lookup(real):
        def guarded(host, *args, **kwargs):
            if not is_local_name(host) and not _exempt_lookup():
                _record(f"lookup ({real.__name__})", host)
                raise socket.gaierror(socket.EAI_NONAME, f"netguard: no name lookup of {host!r}")
            return real(host, *args, **kwargs)
        guarded.__name__ = real.__name__
        return guarded

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, lookup(getattr(socket, name)))


# --- pytest -------------------------------------------------------------------------

_offset = 0


def pytest_configure(config) -> None:
    if not os.environ.get(ENV):
        fd, path = tempfile.mkstemp(prefix="netguard-", suffix=".log")
        os.close(fd)
        os.environ[ENV] = path
    install()


def new_attempts() -> list[str]:
    global _offset
    path = os.environ.get(ENV)
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        fh.seek(_offset)
        text = fh.read()
        _offset = fh.tell()
    return [line for line in text.splitlines() if line.strip()]


def check_report(report) -> None:
    """Fail the test phase during which a process attempted to leave loopback."""
    attempts = new_attempts()
    if attempts:
        message = "attempted to reach beyond loopback (tests/netguard.py):\n  " + "\n  ".join(attempts[:20])
        if report.failed and report.longrepr is not None:
            message = f"{report.longrepr}\n\n{message}"
        report.outcome = "failed"
        report.longrepr = message
