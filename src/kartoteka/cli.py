"""The ``kartoteka`` console command: every Django management command, plus our own.

kartoteka run              migrate, load demo data on first start, serve and work
kartoteka worker           run the background worker
kartoteka demo             load (or top up) the demo data
kartoteka token USERNAME   print an API token for that user
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kartoteka", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
