"""What the tests of every app share: the personas' clients, the factories, the mail servers
and the messages they exchange. Only tests import it (a contract in pyproject.toml keeps the
apps out)."""
