"""The safe Markdown subset: hostile text never becomes markup that runs."""

from __future__ import annotations

import re

import pytest

from kartoteka.kb.rendering import plain_text, render_markdown


def test_markdown_basics_render():
    html = render_markdown("# Tytuł\n\n**gruby** *kursywa* ~~skreślone~~\n\n- a\n- b")
    assert "<h1>Tytuł</h1>" in html
    assert "<strong>gruby</strong>" in html
    assert "<em>kursywa</em>" in html
    assert "<s>skreślone</s>" in html
    assert "<li>a</li>" in html


def test_links_get_noopener_nofollow():
    html = render_markdown("[strona](https://example.com/a)")
    assert html == ('<p><a href="https://example.com/a" rel="noopener nofollow">strona</a></p>\n')


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "![i](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:alert(1)'>x</a>",
        '<iframe src="https://evil.example"></iframe>',
        "<svg onload=alert(1)>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "[x](java&#115;cript:alert(1))",
        "<<script>script>alert(1)<</script>/script>",
    ],
)
def test_hostile_input_never_becomes_active_markup(hostile):
    html = render_markdown(hostile).lower()
    tags = re.findall(r"<[^>]*>", html)
    allowed = {"p", "/p", "a", "/a", "img"}
    assert {tag.strip("<>").split()[0] for tag in tags} <= allowed
    for tag in tags:
        assert re.search(r"\son\w+\s*=", tag) is None
        assert "style=" not in tag
        assert re.search(r"(href|src)=\"(javascript|data|vbscript)", tag) is None


def test_raw_html_shows_as_text():
    assert render_markdown("<b>x</b>") == "<p>&lt;b&gt;x&lt;/b&gt;</p>\n"


def test_oversized_text_is_cut_not_refused():
    html = render_markdown("a" * 300_000)
    assert 199_000 < len(html) < 201_000


def test_plain_text_drops_the_marks():
    assert plain_text("**Krok 1:** wyczyść *głowicę* & <sprawdź>") == (
        "Krok 1: wyczyść głowicę & <sprawdź>"
    )
