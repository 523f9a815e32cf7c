"""Fixtures of the mail tests: real servers on loopback ports, and what receiving needs."""

from kartoteka.mail.tests.dovecot import dovecot  # noqa: F401
from kartoteka.mail.tests.fetching import account, make_mailbox  # noqa: F401
from kartoteka.mail.tests.receiving import case, customer, data_dir, mailbox  # noqa: F401
from kartoteka.mail.tests.smtp_server import smtp_server  # noqa: F401
