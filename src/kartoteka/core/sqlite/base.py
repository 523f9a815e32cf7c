"""Django's SQLite backend with Kartoteka's SQL functions on every connection.

Settings name it as the engine of a SQLite database. Registering the functions where the
connection is made (as Django registers its own) gives them to every connection, whichever
code opens it, with no signal to connect first.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from django.db.backends.sqlite3 import base

from kartoteka.core.text_search import sql_fold, sql_lower


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = super().get_new_connection(conn_params)
        connection.create_function("kartoteka_fold", 1, sql_fold, deterministic=True)
        connection.create_function("kartoteka_lower", 1, sql_lower, deterministic=True)
        return connection
