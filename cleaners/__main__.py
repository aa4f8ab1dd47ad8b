"""python -m cleaners: clean saved HTML files and attachments into JSONL on stdout (see cleaners/cli.py)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
