"""The ``tillit`` console script: Django's management commands, with Tillit's settings.

    tillit serve            migrate, load demo data on first run, serve on 127.0.0.1:8000
    tillit demo --seed 7    (re)create deterministic demo data
    tillit import persons people.csv --dry-run
    tillit <any Django management command>
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tillit.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tillit", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
