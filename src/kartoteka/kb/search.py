"""The knowledge base's own search index: an inverted index in two plain tables.

The words of an article are normalised as the global search does (``core.search_index.
normalise``: lower case, accents and strokes dropped, so "łódź" finds "Łódź"), common words
of Polish, Czech and English are left out, and each word is cut (``term_of``): a word of five
letters or more loses its last letter, then everything past ``TERM_LENGTH`` letters. Polish
and Czech inflect their words at the end, and a cut word ("druka") finds "drukarka",
"drukarki" and "drukarkę" alike, "hasl" both "hasło" and "hasła". On the labelled set
(``kb.tests.labelled``, 48 case texts over the 30 demo articles) whole words found the right
article first for 85% of the texts (MRR 0.91), cut words for 100% (MRR 1.0).
``ArticleTerm`` holds one row per word of an article with its weight
there (a word of the title or a tag weighs ``TITLE_WEIGHT`` times a word of the text; repeats
count less and less, as in BM25); ``Term`` holds for each word in how many articles it
stands, which tells a distinctive word from a common one (its IDF).

Both tables are written by ``article_index`` in the transaction of the article's change
(``kb.services``), so the index is always in step; ``index_rebuild`` (``kartoteka
kb_reindex``) writes it again from the articles. A search is then one grouped statement over
``ArticleTerm``, the same on SQLite and PostgreSQL, ranked in SQL by the sum of
weight times IDF and filtered by ``Article.objects.visible_to``.

- ``search_ids``: a search box's words, all of which must match (the last one also as the
  beginning of a word, for search as you type).
- ``suggested_ids``: a long text (a case's subject and first message): its most distinctive
  ``SUGGEST_TERMS`` words (by TF times IDF; words no article holds are dropped at once) and
  articles ranked by any of them, so a 300-word message costs the same as a short one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Max, Q, QuerySet, Sum, Value, When

from kartoteka.core.search_index import normalise
from kartoteka.kb.models import Article, ArticleTerm, Term

TERM_LENGTH = 5
ENDING_FROM = 5
TITLE_WEIGHT = 3.0
BODY_LIMIT = 20_000  # characters of an article's text that are indexed
QUERY_LIMIT = 20_000  # characters of a suggestion's text that are read
QUERY_WORDS = 8  # words of a search box that are read
SUGGEST_TERMS = 12
SUGGEST_FLOOR = 0.25  # a suggestion scores at least this share of the best one
COMMON_SHARE = 0.5  # a word in more than this share of the articles tells nothing apart
POSTINGS_BUDGET = 12_000  # rows of ``ArticleTerm`` a suggestion ranks at most

# Common words of Polish, Czech and English (folded), which tell no article apart.
STOPWORDS = frozenset(
    {
        "a", "aby", "albo", "ale", "an", "and", "ani", "ano", "are", "as", "asi", "at", "az",
        "bardzo", "be", "bez", "bo", "bude", "by", "byc", "byl", "byla", "byli", "bylo", "co",
        "czy", "dekuji", "den", "dla", "do", "dobry", "dziekuje", "dzien", "for", "from", "gdy",
        "gdzie", "go", "has", "have", "hello", "how", "i", "ich", "ile", "im", "in", "is",
        "it", "its", "ja", "jak", "jakie", "jako", "je", "jeho", "jej", "jesli", "jest", "jestem",
        "jsem", "jsou", "juz", "k", "kde", "kdyz", "ke", "ku", "lub", "ma", "mam", "mi", "mnie",
        "moj", "moze", "my", "na", "nad", "nam", "nas", "ne", "nebo", "neni", "nic", "nie",
        "niz", "o", "od", "of", "on", "or", "oraz", "our", "pani", "panie", "panstwa", "please",
        "po", "pod", "pozdrawiam", "pro", "prosim", "prosze", "proto", "przez", "przy", "s",
        "sa", "se", "si", "sie", "so", "sobie", "ta", "tak", "take", "takze", "te", "tego",
        "tej", "ten", "thanks", "that", "the", "their", "this", "to", "tu", "tym", "u", "uprzejmie",
        "uz", "v", "ve", "w", "was", "we", "what", "when", "wiec", "witam", "with", "wszystko",
        "you", "your", "z", "za", "ze", "zeby",
    }
)  # fmt: skip


def words_of(text: str, limit: int | None = None) -> list[str]:
    """The index's terms of ``text`` in order: folded, common words out, cut to
    ``TERM_LENGTH`` letters."""
    return [
        term_of(word)
        for word in normalise(text, limit).split()
        if len(word) > 1 and word not in STOPWORDS
    ]


def term_of(word: str) -> str:
    """A normalised word as the index keeps it: its first ``TERM_LENGTH`` letters; a word of
    ``ENDING_FROM`` letters or more also loses its last letter first (an ending: "hasło",
    "hasła" → "hasl")."""
    if len(word) >= ENDING_FROM and not word.isdigit():
        word = word[:-1]
    return word[:TERM_LENGTH]


def _saturated(count: float, k: float) -> float:
    return count / (count + k)


def article_weights(title: str, body: str, tags: str = "") -> dict[str, float]:
    """Each term of an article and its weight: the title and tags count ``TITLE_WEIGHT``
    times the text, each with diminishing repeats; a long text weighs each word a little
    less."""
    title_counts = Counter(words_of(f"{title} {tags}"))
    body_words = words_of(body, BODY_LIMIT)
    body_counts = Counter(body_words)
    length = 1.2 * (0.25 + 0.75 * len(body_words) / 300)
    weights: dict[str, float] = {}
    for term in title_counts.keys() | body_counts.keys():
        weight = TITLE_WEIGHT * _saturated(title_counts[term], 0.5)
        weight += _saturated(body_counts[term], length)
        weights[term] = round(weight, 4)
    return weights


def _terms_count(terms: Iterable[str], change: int) -> None:
    terms = list(terms)
    for start in range(0, len(terms), 500):
        chunk = terms[start : start + 500]
        if change > 0:
            Term.objects.bulk_create([Term(term=term) for term in chunk], ignore_conflicts=True)
        Term.objects.filter(term__in=chunk).update(articles=F("articles") + change)


@transaction.atomic
def article_index(article: Article) -> None:
    """Write the article's terms (replacing its old ones) and the terms' article counts; call
    in the transaction of the change, with the article's row locked."""
    old = set(ArticleTerm.objects.filter(article=article).values_list("term", flat=True))
    weights = article_weights(article.title, article.body, article.tags)
    ArticleTerm.objects.filter(article=article).delete()
    ArticleTerm.objects.bulk_create(
        [ArticleTerm(article=article, term=term, weight=w) for term, w in weights.items()]
    )
    _terms_count(set(weights) - old, +1)
    _terms_count(old - set(weights), -1)


@transaction.atomic
def article_unindex(article_id: int) -> None:
    """Remove an article's terms (before it is deleted)."""
    old = list(ArticleTerm.objects.filter(article_id=article_id).values_list("term", flat=True))
    ArticleTerm.objects.filter(article_id=article_id).delete()
    _terms_count(old, -1)


@transaction.atomic
def index_rebuild(batch: int = 1_000) -> int:
    """Write the whole index again from the articles; returns how many were indexed."""
    ArticleTerm.objects.all().delete()
    Term.objects.all().delete()
    counts: Counter[str] = Counter()
    done = 0
    rows = Article.objects.order_by("pk").values_list("pk", "title", "body", "tags")
    pending: list[tuple[int, str, float]] = []
    table = ArticleTerm._meta.db_table
    insert = f"INSERT INTO {table} (article_id, term, weight) VALUES (%s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        for pk, title, body, tags in rows.iterator(chunk_size=batch):
            weights = article_weights(title, body, tags)
            counts.update(weights.keys())
            pending.extend((pk, term, weight) for term, weight in weights.items())
            done += 1
            if len(pending) >= 20_000:
                _insert(cursor, insert, pending)
                pending = []
        _insert(cursor, insert, pending)
    Term.objects.bulk_create(
        [Term(term=term, articles=count) for term, count in counts.items()], batch_size=5_000
    )
    return done


def _insert(cursor: Any, insert: str, rows: list[tuple[int, str, float]]) -> None:
    """Index rows at once: ``COPY`` on PostgreSQL (several times faster), else
    ``executemany``."""
    if connection.vendor != "postgresql":
        cursor.executemany(insert, rows)
        return
    table = ArticleTerm._meta.db_table
    with cursor.cursor.copy(f"COPY {table} (article_id, term, weight) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _idf(articles: int, total: int) -> float:
    return math.log(1 + (total - articles + 0.5) / (articles + 0.5))


@dataclass(frozen=True)
class Ranked:
    article_id: int
    score: float


def _ranked(rows: Iterable[Any]) -> list[Ranked]:
    return [Ranked(int(row["article"]), float(row["score"])) for row in rows]


def _postings(articles: QuerySet[Article]) -> QuerySet[ArticleTerm]:
    """The index rows of ``articles``. The article is matched as an expression
    (``article_id + 0``), which no index serves: the database then starts from the words'
    index and checks each of their few rows, instead of walking every visible article and
    looking its words up (which SQLite chose, 250 ms among 10,000 articles)."""
    return ArticleTerm.objects.alias(shown=F("article_id") + 0).filter(
        shown__in=articles.values("pk")
    )


def search_ids(text: str, articles: QuerySet[Article], *, limit: int = 200) -> list[Ranked]:
    """The articles among ``articles`` holding every word of ``text`` (the last one also as a
    beginning), best first."""
    raw = normalise(text[:1_000]).split()
    if not raw:
        return []
    # The last word is being typed: kept even when it is a common one ("te" begins "terminal").
    last = term_of(raw[-1])
    words = [word for word in dict.fromkeys(words_of(" ".join(raw[:-1]))) if word != last]
    words = [*words[: QUERY_WORDS - 1], last]
    conditions = [Q(term=word) for word in words]
    conditions[-1] = Q(term__gte=last, term__lt=last[:-1] + chr(ord(last[-1]) + 1))
    total = max(Article.objects.count(), 1)
    known = dict(Term.objects.filter(term__in=words).values_list("term", "articles"))
    idfs = [_idf(known.get(word, 1), total) for word in words]
    matched = Q()
    for condition in conditions:
        matched |= condition
    groups = {
        f"g{n}": Max(Case(When(condition, then=Value(1)), default=Value(0)))
        for n, condition in enumerate(conditions)
    }
    score = Sum(
        Case(
            *[
                When(condition, then=F("weight") * Value(idf))
                for condition, idf in zip(conditions, idfs, strict=True)
            ],
            default=Value(0.0),
            output_field=FloatField(),
        )
    )
    rows = (
        _postings(articles)
        .filter(matched)
        .values("article")
        .annotate(score=score, **groups)
        .filter(**{name: 1 for name in groups})
        .order_by("-score", "-article")[:limit]
    )
    return _ranked(rows.values("article", "score"))


def distinctive_terms(text: str, *, count: int = SUGGEST_TERMS) -> list[tuple[str, float]]:
    """The terms of ``text`` that tell articles apart best, with their IDF: at most ``count``,
    by TF times IDF, among the terms some article holds, the most common left out, and
    together standing in at most ``POSTINGS_BUDGET`` articles' rows, which bounds the work
    of the ranking statement whatever the text and the number of articles."""
    counts = Counter(words_of(text[:QUERY_LIMIT], QUERY_LIMIT))
    if not counts:
        return []
    candidates = [term for term, _n in counts.most_common(400)]
    known = dict(
        Term.objects.filter(term__in=candidates, articles__gt=0).values_list("term", "articles")
    )
    if not known:
        return []
    total = max(Article.objects.count(), 1)
    ranked = []
    for term, articles in known.items():
        if total >= 20 and articles > COMMON_SHARE * total:
            continue
        idf = _idf(articles, total)
        ranked.append((_saturated(counts[term], 1.0) * idf, term, idf, articles))
    ranked.sort(reverse=True)
    chosen: list[tuple[str, float]] = []
    postings = 0
    for _value, term, idf, articles in ranked:
        if postings + articles > POSTINGS_BUDGET:
            continue
        chosen.append((term, idf))
        postings += articles
        if len(chosen) == count:
            break
    return chosen


def suggested_ids(
    text: str, articles: QuerySet[Article], *, limit: int = 5, exclude_ids: Sequence[int] = ()
) -> list[Ranked]:
    """The articles among ``articles`` that best match a long ``text``, best first.

    One statement written out here rather than by the ORM (whose expressions for a dozen
    weighted words took as long to compile as the database took to run them). The words and
    numbers are parameters; the visible articles are ``articles``' own compiled statement,
    matched as an expression for the reason ``_postings`` gives."""
    terms = distinctive_terms(text)
    if not terms:
        return []
    visible_sql, visible_params = articles.order_by().values("pk").query.sql_with_params()
    cases = " ".join("WHEN %s THEN %s" for _term in terms)
    words = ", ".join("%s" for _term in terms)
    params: list[Any] = [value for term, idf in terms for value in (term, idf)]
    params += [term for term, _idf in terms]
    params += list(visible_params)
    excluded = ""
    if exclude_ids:
        excluded = f"AND article_id NOT IN ({', '.join('%s' for _pk in exclude_ids)}) "
        params += [int(pk) for pk in exclude_ids]
    params.append(limit)
    table = ArticleTerm._meta.db_table
    sql = (
        f"SELECT article_id, SUM(weight * CASE term {cases} ELSE 0 END) AS score "  # noqa: S608
        f"FROM {table} WHERE term IN ({words}) AND (article_id + 0) IN ({visible_sql}) "
        f"{excluded}GROUP BY article_id ORDER BY score DESC, article_id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ranked = [Ranked(int(pk), float(score)) for pk, score in cursor.fetchall()]
    if not ranked:
        return []
    floor = ranked[0].score * SUGGEST_FLOOR
    return [row for row in ranked if row.score >= floor]
