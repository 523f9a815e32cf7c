"""Load (or top up) the demo data: a Polish company's users, teams, lists, accounts,
contacts, cases, mail and documents.

Idempotent: rows are keyed on usernames, names, NIPs and email addresses, and the data comes
from a fixed seed, so running it again adds nothing. Existing users keep their passwords.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kartoteka.demo.catalogue import DEMO_PASSWORD
from kartoteka.demo.services import DEFAULT_SEED, demo_load


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD, help="for new demo users")
        parser.add_argument("--accounts", type=int, default=200, help="how many accounts")
        parser.add_argument("--contacts", type=int, default=400, help="how many contacts")
        parser.add_argument(
            "--cases", type=int, default=300, help="how many cases (only when there are none)"
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="another seed, another world"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if min(options["accounts"], options["contacts"], options["cases"]) < 0:
            raise CommandError("--accounts, --contacts and --cases must not be negative")
        started = time.monotonic()
        self.stdout.write(f"Loading demo data (demo password: {options['password']})")
        summary = demo_load(
            password=options["password"],
            accounts=options["accounts"],
            contacts=options["contacts"],
            cases=options["cases"],
            seed=options["seed"],
        )
        self.stdout.write(
            f"Added {summary.users_created} users, {summary.accounts_created} accounts, "
            f"{summary.contacts_created} contacts, {summary.cases_created} cases "
            f"and {summary.mail} emails "
            f"in {time.monotonic() - started:.1f} s."
        )
        self.stdout.write(
            f"Now stored: {summary.users} users in {summary.teams} teams, "
            f"{summary.segments} segments, {summary.dictionaries} dictionaries, "
            f"{summary.accounts} accounts, {summary.contacts} contacts, "
            f"{summary.email_addresses} email addresses, {summary.phone_numbers} phone numbers, "
            f"{summary.cases} cases, {summary.documents} documents."
        )
