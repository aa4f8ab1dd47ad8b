"""Run the scheduled crawl under Scrapyd: one job per registered site, and say how each ended.

    SCRAPYD=http://127.0.0.1:6800 STATE_URI=sqlite:////var/lib/edunews/state.db \\
        python -m crawler.scrapyd_schedule [--group NAME | --site NAME ...] [-s NAME=VALUE ...]

(`deploy/scrapyd-schedule.sh` calls this.) Scrapyd runs spiders, not
`crawler.run_all`, so each site becomes a job of its site type's spider with
`site=<name>`, STATE_ENABLED=1 and the shared STATE_URI. Official sites are
scheduled first and the mirrors only once those jobs have ended, as run_all
orders them (a mirror's copy then points to the official record).

Scrapyd lists every job that ended as "finished", whether the spider finished
or the process died on a traceback; its API has no exit status. So each job's
log (Scrapyd's logs_dir, the default) is read: a job succeeded only when Scrapy
logged `Spider closed (finished)`. Exit status: 0 when every job finished,
1 when one died, did not end in time (--timeout) or could not be scheduled,
2 on bad arguments or when Scrapyd cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from crawler.run_all import add_site_choice

FINISHED_MARKERS = ("Spider closed (finished)", "'finish_reason': 'finished'")


class ScrapydError(RuntimeError):
    """Scrapyd could not be reached, or answered with an error."""


@dataclass
class Job:
    site: str
    spider: str
    id: str = ""
    outcome: str = "pending"  # finished | died | timeout | not scheduled
    detail: str = ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deploy/scrapyd-schedule.sh",
                                     description="Schedule one Scrapyd job per registered site and wait for them.")
    add_site_choice(parser, setting_help="a Scrapy setting passed to every job (repeatable)")
    parser.add_argument("--scrapyd", default=os.environ.get("SCRAPYD", "http://127.0.0.1:6800"),
                        help="Scrapyd's URL (env SCRAPYD)")
    parser.add_argument("--project", default=os.environ.get("SCRAPYD_PROJECT", "crawler"),
                        help="the project name it was deployed as (env SCRAPYD_PROJECT)")
    parser.add_argument("--state-uri", default=os.environ.get("STATE_URI", "sqlite:////var/lib/edunews/state.db"),
                        help="the state store every job shares (env STATE_URI): sqlite://// + absolute path, or redis://")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("SCRAPYD_TIMEOUT", 6 * 3600)),
                        help="seconds to wait for the jobs of a phase to end (default 6 h)")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between looks at Scrapyd")
    parser.add_argument("--no-wait", action="store_true",
                        help="schedule every job at once and exit; nothing checks how they end")
    return parser.parse_args(argv)


def state_uri_problem(uri: str) -> str | None:
    """Every job runs from Scrapyd's directory: a relative SQLite path would differ per egg."""
    if uri.startswith("redis://") or uri.startswith("rediss://"):
        return None
    if uri.startswith("sqlite:////"):
        return None
    return f"STATE_URI {uri!r} must be absolute (sqlite:////abs/path.db, four slashes) or redis://"


class Scrapyd:
    def __init__(self, base: str, timeout: float = 30.0):
        self.base = base.rstrip("/") + "/"
        self.timeout = timeout

    def _call(self, path: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        url = urllib.parse.urljoin(self.base, path)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with urllib.request.urlopen(url, data=body, timeout=self.timeout) as resp:
                answer = json.loads(resp.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ScrapydError(f"{url}: {exc}") from exc
        if answer.get("status") != "ok":
            raise ScrapydError(f"{url}: {answer.get('message') or answer}")
        return answer

    def schedule(self, project: str, spider: str, args: dict[str, str], settings: list[str]) -> str:
        data = [("project", project), ("spider", spider), *args.items()]
        data += [("setting", s) for s in settings]
        return self._call("schedule.json", data)["jobid"]

    def jobs(self, project: str) -> dict[str, Any]:
        return self._call(f"listjobs.json?project={urllib.parse.quote(project)}")

    def text(self, path_or_url: str) -> str | None:
        url = urllib.parse.urljoin(self.base, path_or_url)
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:
                return resp.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            return None


def judge(log: str | None) -> tuple[str, str]:
    """(`finished` | `died`, why) from a job's log."""
    if log is None:
        return "died", "no log to read (Scrapyd's logs_dir must be set): cannot tell that it finished"
    if any(marker in log for marker in FINISHED_MARKERS):
        return "finished", ""
    reason = next((line.split("'finish_reason': ", 1)[1].strip(" ,}'") for line in log.splitlines()
                   if "'finish_reason': " in line), "")
    if reason:
        return "died", f"closed with finish_reason {reason}"
    lines = [line for line in log.splitlines() if line.strip()]
    return "died", (lines[-1].strip()[:300] if lines else "empty log")


def wait(scrapyd: Scrapyd, project: str, jobs: list[Job], timeout: float, poll: float) -> None:
    """Until every job has ended (bounded by `timeout`); then each one's outcome from its log."""
    deadline = time.monotonic() + timeout
    waiting = {job.id: job for job in jobs if job.id}
    while waiting:
        finished = {j["id"]: j for j in scrapyd.jobs(project).get("finished", [])}
        for job_id in [i for i in waiting if i in finished]:
            job = waiting.pop(job_id)
            log_url = finished[job_id].get("log_url")
            job.outcome, job.detail = judge(scrapyd.text(log_url) if log_url else None)
            print(f"  {job.site:<20} {job.spider:<18} {job.id}  {job.outcome}"
                  + (f": {job.detail}" if job.detail else ""), flush=True)
        if not waiting:
            break
        if time.monotonic() >= deadline:
            for job in waiting.values():
                job.outcome, job.detail = "timeout", f"still pending or running after {timeout:.0f} s"
                print(f"  {job.site:<20} {job.spider:<18} {job.id}  timeout", flush=True)
            break
        time.sleep(poll)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = state_uri_problem(args.state_uri)
    if problem:
        print(f"scrapyd-schedule: {problem}", file=sys.stderr)
        return 2
    from crawler.discover.registry import Registry
    from crawler.run_all import SPIDER_FOR_TYPE, phases, select_sites

    try:
        registry_path = next((p.partition("=")[2] for p in args.set if p.startswith("SITES_REGISTRY=")), None)
        plan = phases(select_sites(Registry.load(registry_path or None), args.group, args.site))
    except (KeyError, ValueError) as exc:
        print(f"scrapyd-schedule: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    settings = ["STATE_ENABLED=1", f"STATE_URI={args.state_uri}", *args.set]
    scrapyd = Scrapyd(args.scrapyd)
    all_jobs: list[Job] = []
    try:
        for n, phase in enumerate(plan, 1):
            jobs = [Job(site.name, SPIDER_FOR_TYPE[site.site_type]) for site in phase]
            print(f"phase {n}: {len(jobs)} job(s) on {scrapyd.base}", flush=True)
            for job in jobs:
                try:
                    job.id = scrapyd.schedule(args.project, job.spider, {"site": job.site}, settings)
                except ScrapydError as exc:
                    if not all_jobs and job is jobs[0]:
                        raise  # the first call failed: Scrapyd is not there, or the project is not deployed
                    job.outcome, job.detail = "not scheduled", str(exc)
                    print(f"  {job.site:<20} {job.spider:<18} not scheduled: {exc}", flush=True)
            all_jobs += jobs
            if args.no_wait:
                for job in jobs:
                    if job.id:
                        print(f"  {job.site:<20} {job.spider:<18} {job.id}  scheduled", flush=True)
                continue
            wait(scrapyd, args.project, jobs, args.timeout, args.poll)
    except ScrapydError as exc:
        print(f"scrapyd-schedule: {exc}", file=sys.stderr)
        return 2
    if args.no_wait:
        return 1 if any(j.outcome == "not scheduled" for j in all_jobs) else 0
    bad = [j for j in all_jobs if j.outcome != "finished"]
    print(f"jobs: {len(all_jobs)}, finished {len(all_jobs) - len(bad)}, failed {len(bad)}"
          + (" (" + ", ".join(f"{j.site}: {j.outcome}" for j in bad) + ")" if bad else ""), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
