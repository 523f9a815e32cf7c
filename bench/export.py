"""Stream the CSV export once and report its peak memory: ``python -m bench.export QUERY``.

A process of its own, so that its peak resident set (``VmHWM``) is the export's alone. Prints
``{"rows": …, "peak_mb": …, "start_mb": …, "http": …}``. Without the export view (404) the
selector is streamed through ``csv.writer`` the way the view would.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import traceback
from urllib.parse import parse_qsl

import django


def memory_mb(field: str) -> float:
    """A ``/proc/self/status`` memory figure (``VmHWM`` is the peak resident set) in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def main() -> None:
    query = sys.argv[1] if len(sys.argv) > 1 else ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    from django.test import Client
    from django.urls import reverse

    from kartoteka.cases.selectors import case_list
    from kartoteka.people.models import User

    user = User.objects.get(username="bench-manager")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    start_mb = memory_mb("VmRSS")
    try:
        response = client.get(f"{reverse('cases:case-export')}?{query}")
        http = response.status_code == 200
    except Exception:
        traceback.print_exc()
        http = False
    lines = 0
    if http:
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
        rows = lines - 1  # the header
    else:
        sink = io.StringIO()
        writer = csv.writer(sink)
        rows = 0
        for case in case_list(user=user, filters=dict(parse_qsl(query))).iterator(2000):
            writer.writerow(
                [case.number, case.subject, case.status, case.priority, case.created_at,
                 case.category, case.group, case.account, case.assignee, case.annotation]
            )  # fmt: skip
            sink.seek(0)
            sink.truncate()
            rows += 1
    print(
        json.dumps(
            {"rows": rows, "peak_mb": memory_mb("VmHWM"), "start_mb": start_mb, "http": http}
        )
    )


if __name__ == "__main__":
    main()
