# `scrapyd-deploy` builds the egg with `python setup.py bdist_egg` (and writes a
# setup.py of its own when there is none). Everything is configured in pyproject.toml.
from setuptools import setup

setup()
