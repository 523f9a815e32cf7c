"""Fixtures of the mail tests: real servers started on loopback ports for the test run."""

from kartoteka.mail.tests.dovecot import dovecot  # noqa: F401
from kartoteka.mail.tests.fetching import account, make_mailbox  # noqa: F401
from kartoteka.mail.tests.smtp_server import smtp_server  # noqa: F401
