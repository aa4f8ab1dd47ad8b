"""Push start URLs into a distributed crawl (crawler/scale/distributed.py).

    python -m crawler.push_urls --redis redis://host:6379/0 provincial_portal URL [URL...]
    python -m crawler.push_urls --redis redis://host:6379/0 quality_education --site chce

Each URL goes to the Redis list `<spider>:start_urls` as a JSON line
`{"url": ..., "site": ...}`; whichever worker of that spider is idle takes it
and schedules it as a start (list) request, deduplicated like every request.
Workers are started as usual with `-s REDIS_URL=...` (see docs/scale.md).
"""

from __future__ import annotations

import argparse
import json
import sys

from crawler.scale.distributed import START_URLS_KEY


def entries(urls: list[str], site: str | None, registry_path: str | None) -> list[dict]:
    out = [{"url": u, **({"site": site} if site else {})} for u in urls]
    if site and not urls:
        from crawler.discover.registry import Registry

        registry = Registry.load(registry_path)
        out = [{"url": u, "site": site} for u in registry.get(site).start_urls]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.push_urls", description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis", required=True, help="redis://host:port/db, the workers' REDIS_URL")
    ap.add_argument("spider", help="the spider the workers run (provincial_portal, generic, ...)")
    ap.add_argument("urls", nargs="*", help="start URLs (list pages)")
    ap.add_argument("--site", help="a registry site: its start URLs, or the site the given URLs belong to")
    ap.add_argument("--registry", help="another sites.toml (the workers' SITES_REGISTRY)")
    ap.add_argument("--key", default=START_URLS_KEY, help="Redis list (default %(default)s)")
    ap.add_argument("--outage", type=float, default=10.0,
                    help="seconds to keep retrying an unreachable Redis (default %(default)s)")
    args = ap.parse_args(argv)
    if not args.urls and not args.site:
        ap.error("give start URLs, or --site NAME")
    from crawler.scale.redis_conn import REDIS_DOWN, connect

    items = entries(args.urls, args.site, args.registry)
    key = args.key % {"name": args.spider}
    client = connect(args.redis, args.outage)
    try:
        if items:  # sent again after a lost reply, a URL is pushed twice: the dupefilter makes it one
            client.rpush(key, *[json.dumps(e, ensure_ascii=False) for e in items])
        waiting = client.llen(key)
    except REDIS_DOWN as exc:
        print(f"push_urls: Redis {args.redis} unreachable for {args.outage:g} s ({exc}): nothing pushed",
              file=sys.stderr)
        return 1
    print(f"pushed {len(items)} start URL(s) to {key} ({waiting} waiting)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
