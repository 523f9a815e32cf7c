"""Articles suggested for a text: a case's subject and first message on the case page, what
a customer types into a new case in the portal.

Full-text ranking over the knowledge base's own index (``kb.search.suggested_ids``): the
text's most distinctive words, weighed by how few articles hold them. On the labelled set
(``kb/tests/labelled.py``) it finds the right article first for every text among the 30
demo articles, and among the first three for all but a few among 10,000 (``bench.kb``).

A small embedding model shipped inside a PyPI package was looked for, to measure on the same
set: wordllama (0.4.0.post1) ships its 16 MB weights in the wheel but not its tokenizer,
which ``WordLlama.load()`` fetches from Hugging Face at the first run (it fails offline);
model2vec, fastembed and sentence-transformers load their models from the hub at run time;
the packages that do bundle a model bundle English-only ones. None qualified, so ranking is by
words alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kartoteka.kb import search
from kartoteka.kb.models import Article


def articles_suggested(
    text: str,
    *,
    user: Any,
    language: str | None = None,
    limit: int = 5,
    exclude_ids: Iterable[int] = (),
) -> list[Article]:
    """Up to ``limit`` published articles that ``user`` may see (``visible_to``), best match
    for ``text`` first; in ``language`` only, when given. Three statements whatever the
    text's length."""
    limit = max(0, min(limit, 50))
    if not limit or not text.strip():
        return []
    articles = Article.objects.visible_to(user).published()
    if language:
        articles = articles.filter(language=language)
    ranked = search.suggested_ids(
        text, articles, limit=limit, exclude_ids=[int(pk) for pk in exclude_ids]
    )
    found = Article.objects.select_related("category").in_bulk([row.article_id for row in ranked])
    return [found[row.article_id] for row in ranked if row.article_id in found]
