"""Every user-facing string exists in English, Polish and Czech."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[2]
LANGUAGES = ["pl", "cs"]
TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))

# Words that are the same in every language (names and codes).
UNTRANSLATED_WORDS = {"Kartoteka", "NIP", "REGON", "API", "URL", "E-mail"}

BLOCKTRANSLATE = re.compile(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", re.S)
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}", re.S)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[#\w]+;")
WORD = re.compile(r"[^\W\d_]{2,}")


def visible_words(template_text: str) -> list[str]:
    """Words a reader would see that are not inside a translation tag."""
    text = COMMENT.sub(" ", template_text)
    text = BLOCKTRANSLATE.sub(" ", text)
    text = TEMPLATE_SYNTAX.sub(" ", text)
    text = SCRIPT_OR_STYLE.sub(" ", text)
    attributes = re.findall(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"', text)
    text = ENTITY.sub(" ", TAG.sub(" ", text))
    words = WORD.findall(text) + [w for value in attributes for w in WORD.findall(value)]
    return [word for word in words if word not in UNTRANSLATED_WORDS]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_template_has_no_untranslated_text(template: Path) -> None:
    assert visible_words(template.read_text(encoding="utf-8")) == []


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: pytest.TempPathFactory) -> dict[str, polib.POFile]:
    """The catalogues merged with every string marked in today's code (makemessages on a copy)."""
    if shutil.which("xgettext") is None:
        pytest.fail(
            "GNU gettext (xgettext) is needed to check the catalogues: apt-get install gettext"
        )
    copy = tmp_path_factory.mktemp("messages") / "kartoteka"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "*.mo"))
    command = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-wrap"]
    for language in LANGUAGES:
        command += ["-l", language]
    subprocess.run(
        command,
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "kartoteka.settings", "PATH": "/usr/bin:/bin"}
        | {"PYTHONPATH": str(PACKAGE.parent)},
    )
    return {
        language: polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        for language in LANGUAGES
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated(fresh_catalogues, language: str) -> None:
    catalogue = fresh_catalogues[language]
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_compiles_with_matching_placeholders(language: str) -> None:
    po_file = PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (0, "")
