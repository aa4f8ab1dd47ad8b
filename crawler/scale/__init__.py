"""Scale: one crawl shared by many processes on many hosts through Redis (docs/scale.md).

- distributed.py: the add-on that turns a spider into a worker (`-s REDIS_URL=...`):
  scrapy-redis scheduler and dupefilter, leases, heartbeats, emit-once;
- redis_conn.py: Redis connections that ride out a bounded outage, then say so.
The cleaning process pool is the clean stage's (crawler/clean/pool.py).
"""
