"""The incremental part of the end-of-crawl summary (crawler/emit/summary.py)."""

from __future__ import annotations

from typing import Any


def incremental_block(stats: dict[str, Any]) -> dict[str, Any]:
    """{"incremental": {...}} when the state store was on, else {} (nothing added)."""
    if not any(k.startswith("state/") for k in stats):
        return {}
    new, changed = stats.get("state/new", 0), stats.get("state/changed", 0)
    unchanged, not_modified = stats.get("state/unchanged", 0), stats.get("state/not_modified", 0)
    if new or changed:
        verdict = f"{new} new, {changed} changed, {unchanged + not_modified} unchanged"
    else:
        verdict = f"nothing new or changed since the last run ({unchanged + not_modified} unchanged)"
    return {"incremental": {
        "verdict": verdict,
        "new": new,
        "changed": changed,
        "unchanged": unchanged,
        "not_modified_304": not_modified,
        "in_flight_elsewhere": stats.get("state/in_flight", 0),
        "duplicates_marked": stats.get("state/duplicate", 0),
        "mirror_copies": stats.get("state/mirror_copy", 0),
        "duplicates_dropped": stats.get("state/duplicate_dropped", 0),
        "reconciled_runs": stats.get("state/reconciled_runs", 0),
        "claims_released": stats.get("state/claims_released", 0),
    }}
