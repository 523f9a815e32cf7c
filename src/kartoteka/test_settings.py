"""Settings of the test suite: the product's settings with fast, isolated parts.

English as the installation language (the default lists are created in it by migrations),
a fast password hasher, tasks run at once, files kept in memory.
"""

from kartoteka.settings import *  # noqa: F403

LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "kartoteka.core.sqlite":  # noqa: F405
    # A file, not the shared in-memory database: the browser tests' live server and the
    # test's own thread write at once, which the in-memory database's table locks refuse
    # at once ("database table is locked") where a file waits (busy timeout), as it does
    # in production. One file per process (each pytest-xdist worker loads these settings),
    # so two test runs on one machine never share one.
    import os
    import tempfile
    from pathlib import Path

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"kartoteka-test-{os.getpid()}.sqlite3")
    }
