"""The receiving fixtures: a pipe-fed mailbox, Jan Kowalski the customer, his case."""

from kartoteka.testing.mail.receiving import (  # noqa: F401 - fixtures
    case,
    customer,
    data_dir,
    mailbox,
)
