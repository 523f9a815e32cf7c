"""HTML replies, without a database: the editor's HTML cleaned, its text, its quote."""

from __future__ import annotations

import pytest

from kartoteka.mail.sending.rich_text import (
    html_document,
    html_is_empty,
    html_quote_split,
    html_to_text,
    reply_html_clean,
    signature_html,
    text_to_html,
)


def test_clean_keeps_the_editors_tags_and_safe_links() -> None:
    html = (
        "<p>Dzień <b>dobry</b>, <i>Panie</i> <strong>Janie</strong></p><ul><li>raz</li></ul>"
        "<ol><li>dwa</li></ol><blockquote><p>cytat</p></blockquote>"
        '<p><a href="https://firma.example/?a=1&amp;b=2">strona</a> '
        '<a href="mailto:jan@firma.example">napisz</a></p>'
    )

    assert reply_html_clean(html) == html


@pytest.mark.parametrize(
    ("hostile", "cleaned"),
    [
        ('<p onclick="steal()">x</p>', "<p>x</p>"),
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
        ('<p style="position:fixed">x</p>', "<p>x</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html,x">x</a>', "<a>x</a>"),
        ('<img src="https://tracker.example/p.gif" onerror="x()">', ""),
        ('<iframe src="https://x.example"></iframe><p>y</p>', "<p>y</p>"),
        ("<style>p{display:none}</style><p>z</p>", "<p>z</p>"),
        ('<form action="/x"><input name="a"></form><p>w</p>', "<p>w</p>"),
        ("<!-- comment --><p>v</p>", "<p>v</p>"),
        ("<p>unclosed <b>bold", "<p>unclosed <b>bold</b></p>"),
        ('<span class="x">s</span><h1>t</h1>', "st"),
    ],
)
def test_clean_drops_what_the_editor_never_writes(hostile, cleaned) -> None:
    assert reply_html_clean(hostile) == cleaned


def test_clean_of_nothing_is_nothing() -> None:
    assert reply_html_clean("  \n") == ""
    assert html_is_empty("<p><br></p><div> </div>")
    assert not html_is_empty("<p>a</p>")


def test_text_of_html_has_lines_lists_quotes_and_link_addresses() -> None:
    html = (
        "<p>Szanowny Panie Janie,</p><p>linia 1<br>linia 2</p>"
        "<ul><li>raz</li><li>dwa</li></ul>"
        '<p>Zobacz <a href="https://firma.example/a?x=1&amp;y=2">cennik</a> lub '
        '<a href="mailto:jan@firma.example">jan@firma.example</a>.</p>'
        "<p>On 1 May, Jan wrote:</p><blockquote><p>Pytanie</p></blockquote>"
    )

    assert html_to_text(html) == (
        "Szanowny Panie Janie,\n\nlinia 1\nlinia 2\n\n- raz\n- dwa\n\n"
        "Zobacz cennik <https://firma.example/a?x=1&y=2> lub jan@firma.example.\n\n"
        "On 1 May, Jan wrote:\n\n> Pytanie"
    )


def test_plain_text_becomes_paragraphs_and_nested_quotes() -> None:
    text = "\n\nOn 1 May, Jan <jan@k.example> wrote:\n> Pytanie & odpowiedź\n> > starsze\n"

    assert text_to_html(text) == (
        "<p><br></p><p>On 1 May, Jan &lt;jan@k.example&gt; wrote:</p>"
        "<blockquote><p>Pytanie &amp; odpowiedź</p><blockquote><p>starsze</p></blockquote>"
        "</blockquote>"
    )


def test_the_quote_of_a_reply_is_split_off_with_its_header() -> None:
    html = (
        "<p>Odpowiedź</p><p>On 1 May, Jan wrote:</p>"
        "<blockquote><p>a</p><blockquote><p>b</p></blockquote></blockquote><p><br></p>"
    )

    written, quote = html_quote_split(html)

    assert written == "<p>Odpowiedź</p>"
    assert quote == (
        "<p>On 1 May, Jan wrote:</p><blockquote><p>a</p><blockquote><p>b</p></blockquote>"
        "</blockquote>"
    )


def test_html_without_a_final_quote_is_all_written() -> None:
    html = "<blockquote><p>cytat w środku</p></blockquote><p>a potem tekst</p>"

    assert html_quote_split(html) == (html, "")


def test_the_document_puts_the_signature_between_the_text_and_the_quote() -> None:
    document = html_document(
        "<p>Tekst</p>",
        signature=signature_html("Anna <Nowak>\nDział"),
        quote="<blockquote><p>q</p></blockquote>",
    )

    assert document == (
        "<!DOCTYPE html>\n<html><body>\n<p>Tekst</p>\n"
        '<div class="signature">-- <br>\nAnna &lt;Nowak&gt;<br>\nDział\n</div>\n'
        "<blockquote><p>q</p></blockquote>\n</body></html>\n"
    )
