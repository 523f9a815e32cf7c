"""Fixtures of the server tests: a real SMTP server for the worker to send through."""

from kartoteka.testing.mail.smtp_server import smtp_server  # noqa: F401
