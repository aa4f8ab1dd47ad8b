"""Evaluation tooling: bench scoring, the quality report and the speed report.

Nothing here is imported by `cleaners/` or `crawler/`. The bench data lives
outside the repository, in `../shared/bench` relative to the repo root
(override with the BENCH_DIR environment variable); no bench page is ever
copied into the project.
"""
