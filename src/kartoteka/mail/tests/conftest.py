"""Fixtures of the mail tests: real servers on loopback ports, and what receiving needs."""

from kartoteka.testing.mail.dovecot import dovecot  # noqa: F401
from kartoteka.testing.mail.fetching import account, make_mailbox  # noqa: F401
from kartoteka.testing.mail.receiving import case, customer, data_dir, mailbox  # noqa: F401
from kartoteka.testing.mail.smtp_server import smtp_server  # noqa: F401
