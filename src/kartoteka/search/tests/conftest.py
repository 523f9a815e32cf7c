"""Fixtures of the search tests: receiving mail needs a mailbox and a folder for raw messages."""

from kartoteka.testing.mail.receiving import data_dir, mailbox  # noqa: F401
