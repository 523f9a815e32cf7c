"""Mail for tests: mailboxes, stored and raw messages, a real Dovecot and an SMTP server."""
