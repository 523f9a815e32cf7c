"""Background work of workflows: following up what happened to a case (``happenings``)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from kartoteka.workflows.happenings import Happening, happening_follow


@task
def follow_happening(happening: dict[str, Any]) -> None:
    """Followers, rules, notifications and notices for one happening (see ``happenings``)."""
    happening_follow(Happening.from_json(happening))
