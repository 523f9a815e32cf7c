"""Knowledge base suggestions: ``python -m bench.kb ARTICLES`` (a child of ``python -m bench``).

The child gets a fresh data dir (SQLite) or a fresh database (PostgreSQL), writes the 30 demo
articles (``demo.kb_articles``) and ``ARTICLES`` generated ones (``BENCH_KB_ARTICLES``,
default 10,000: titles of 4 to 8 words and texts of 120 to 320 words drawn from a Zipf law over a
vocabulary of real Polish help-desk words and generated ones, so common words are common and
rare ones rare, as in real text; mixed visibility and status), and builds the index
(``kb.search.index_rebuild``, timed). Then, each timed ``BENCH_REPEAT`` times:

- suggestions for a 300-word case text (a labelled case text padded with generated words),
  for a staff member and for a portal user (who sees only published portal and public
  articles), target median < 150 ms;
- a search box's query of two words, target < 150 ms;
- quality on the labelled set (``kb.tests.labelled``) among all the articles: precision at 1
  and 3 and the mean reciprocal rank; precision at 3 under 0.8 is a wrong result.

The JSON document goes to stdout, progress to stderr.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import sys
import time
from typing import Any

import django

LIMIT_MS = 150
QUALITY_FLOOR = 0.8
CASE_WORDS = 300
SYLLABLES = (
    "ka", "ro", "wa", "sz", "prze", "sta", "no", "wie", "dło", "mi", "la", "ce", "trz", "ko",
    "nie", "ja", "po", "zy", "ści", "go", "ła", "du", "bę", "rę", "cz", "ań", "ów", "ek",
)  # fmt: skip
ENDINGS = ("a", "y", "ę", "ie", "ów", "ami", "ach", "owi", "em", "u", "o", "ego")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Generated words, each in several inflected forms, with the real words of the demo
    articles spread among the first half (a help desk's own words are neither the most
    common nor rare)."""
    from kartoteka.demo.kb_articles import ARTICLES

    real = []
    for article in ARTICLES:
        real += [word.strip(".,:;()*—„”") for word in f"{article.title} {article.body}".split()]
    words: list[str] = []
    while len(words) < size:
        stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        words += [stem + ending for ending in rng.sample(ENDINGS, 3)]
    words = words[:size]
    for word in dict.fromkeys(word for word in real if len(word) > 2):
        words.insert(rng.randrange(size // 2), word)
    return words


class Zipf:
    def __init__(self, words: list[str], rng: random.Random) -> None:
        self.words = words
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))

    def sample(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)


def generate(count: int, author: Any) -> None:
    from kartoteka.kb.models import Article, Category

    rng = random.Random(2026)
    zipf = Zipf(vocabulary(rng, 40_000), rng)
    categories = [
        Category.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"Kategoria {n}"})[0]
        for n in range(12)
    ]
    batch: list[Article] = []
    statuses = ["published"] * 8 + ["draft", "archived"]
    visibilities = ["public", "portal", "portal", "internal"]
    for n in range(count):
        title = " ".join(zipf.sample(rng.randint(4, 8))).capitalize()
        body = " ".join(zipf.sample(rng.randint(120, 320)))
        batch.append(
            Article(
                title=title[:200],
                slug=f"bench-{n}",
                body=body,
                status=rng.choice(statuses),
                visibility=rng.choice(visibilities),
                category=rng.choice(categories),
                author=author,
                version=1,
            )
        )
        if len(batch) == 2_000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)


def case_texts(count: int) -> list[str]:
    """300-word case texts: a labelled text padded with generated words before and after."""
    from kartoteka.kb.tests.labelled import LABELLED

    rng = random.Random(300)
    zipf = Zipf(vocabulary(rng, 40_000), rng)
    texts = []
    for n in range(count):
        core = LABELLED[n % len(LABELLED)][0]
        pad = CASE_WORDS - len(core.split())
        texts.append(" ".join([*zipf.sample(pad // 2), core, *zipf.sample(pad - pad // 2)]))
    return texts


def timed(call: Any, inputs: list[Any], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        for value in inputs:
            started = time.perf_counter()
            call(value)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))],
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kartoteka.kb import search
    from kartoteka.kb.models import Article
    from kartoteka.kb.selectors import article_search
    from kartoteka.kb.suggestions import articles_suggested
    from kartoteka.people.models import User
    from kartoteka.testing.kb import demo_articles, labelled_quality

    count = int(sys.argv[1])
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    call_command("migrate", verbosity=0)
    staff = User.objects.create_user(
        "bench-kb",
        password="x",  # noqa: S106 - a bench user
        role=User.Role.ADMINISTRATOR,
    )
    portal = User.objects.create_user(
        "bench-kb-portal",
        password="x",  # noqa: S106 - a bench user
        role=User.Role.PORTAL,
    )
    labelled_articles = demo_articles(staff)
    started = time.perf_counter()
    generate(count, staff)
    generated_s = time.perf_counter() - started
    started = time.perf_counter()
    indexed = search.index_rebuild()
    index_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    say(f"  {indexed:,} articles, generated in {generated_s:.1f} s, indexed in {index_s:.1f} s")
    texts = case_texts(20 if repeat > 1 else 5)
    rows = []
    problems = []
    for scenario, user in (("suggest, 300 words, staff", staff), ("suggest, portal", portal)):
        numbers = timed(lambda text, user=user: articles_suggested(text, user=user), texts, repeat)
        answered = sum(1 for text in texts if articles_suggested(text, user=user))
        rows.append({"scenario": scenario, **numbers, "answered": f"{answered}/{len(texts)}"})
        say(f"  {scenario}: median {numbers['median_ms']:.1f} ms, {answered}/{len(texts)} answered")
        if answered < len(texts) // 2:
            problems.append(f"{scenario}: only {answered} of {len(texts)} texts got suggestions")
    queries = ["drukarka etykiet", "faktura korygujaca", "terminal platniczy", "haslo panel"]
    articles = Article.objects.visible_to(staff)
    numbers = timed(lambda q: list(article_search(articles, q)[:50]), queries, repeat)
    rows.append({"scenario": "search box, two words", **numbers, "answered": ""})
    quality = labelled_quality(staff, labelled_articles)
    say(
        f"  labelled set among {indexed:,}: P@1 {quality.precision_at_1:.2f}, "
        f"P@3 {quality.precision_at_3:.2f}, MRR {quality.mrr:.2f}"
    )
    if quality.precision_at_3 < QUALITY_FLOOR:
        problems.append(f"precision at 3 is {quality.precision_at_3:.2f}, under {QUALITY_FLOOR}")
    report = {
        "vendor": connection.vendor,
        "articles": indexed,
        "index_s": index_s,
        "rows": rows,
        "quality": {
            "precision_at_1": quality.precision_at_1,
            "precision_at_3": quality.precision_at_3,
            "mrr": quality.mrr,
            "misses": [miss[:2] for miss in quality.misses],
        },
        "problems": problems,
    }
    print(json.dumps(report))


def run() -> list[str]:
    """Run the child on each database and print the table; the wrong results."""
    from bench.datadir import fresh_children

    count = int(os.environ.get("BENCH_KB_ARTICLES", "10000"))
    reports = fresh_children("kb", [str(count)], what=f"knowledge base of {count:,} articles")
    print_table(reports)
    return problems(reports, checked=count >= 10_000)


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    print("\nKnowledge base: suggestions and search")
    header = f"{'scenario':<28} {'target':>8} | {'vendor':<10} {'median':>10} {'p95':>10}"
    print(header)
    print("-" * len(header))
    for vendor, report in reports.items():
        if report.get("failed"):
            print(f"{'':<28} {'':>8} | {vendor:<10} {'FAILED':>10}")
            continue
        for row in report["rows"]:
            flag = "!" if row["median_ms"] > LIMIT_MS else " "
            print(
                f"{row['scenario']:<28} {LIMIT_MS:>6}ms | {vendor:<10} "
                f"{row['median_ms']:9.1f}{flag} {row['p95_ms']:10.1f}  {row['answered']}"
            )
        quality = report["quality"]
        print(
            f"  {vendor}: {report['articles']:,} articles indexed in {report['index_s']:.1f} s; "
            f"labelled set P@1 {quality['precision_at_1']:.2f}, "
            f"P@3 {quality['precision_at_3']:.2f} (>= {QUALITY_FLOOR}), MRR {quality['mrr']:.2f}"
        )
    print("(! = over the target)\n")


def problems(reports: dict[str, dict[str, Any]], *, checked: bool) -> list[str]:
    found = []
    for vendor, report in reports.items():
        if report.get("failed"):
            found.append(f"{vendor}: kb: the child failed")
            continue
        found += [f"{vendor}: kb: {problem}" for problem in report["problems"]]
        if checked:
            found += [
                f"{vendor}: kb, {row['scenario']}: median {row['median_ms']:.0f} ms "
                f"over {LIMIT_MS} ms"
                for row in report["rows"]
                if row["median_ms"] > LIMIT_MS
            ]
    return found


if __name__ == "__main__":
    main()
