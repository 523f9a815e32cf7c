"""Print the API token of an active staff user (created on first use).

The token goes in the ``Authorization: Token <key>`` header. The same key is printed on every
run until ``--rotate`` replaces it, which also stops the old key from working.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from kartoteka.people.models import User


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the staff user's login name")
        parser.add_argument(
            "--rotate", action="store_true", help="replace the token with a new one"
        )

    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user %(username)s.") % {"username": username})
        if not user.is_staff_member:
            raise CommandError(
                _("%(username)s is not an active staff member, so cannot use the API.")
                % {"username": username}
            )
        with transaction.atomic():
            if rotate:
                Token.objects.filter(user=user).delete()
            token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
