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
