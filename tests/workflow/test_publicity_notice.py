"""`publicity.relevant_notice` walks the notices once (issue 13): it must pick the notice `max` picks,
the first of the latest (start, end) among those of the kind and place that started by the day."""
from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

from workflow.rules.publicity import relevant_notice


def _by_max(notices, kind, day, place):
    found = [p for p in notices if p.kind == kind and p.start <= day and (place is None or p.place == place)]
    return max(found, key=lambda p: (p.start, p.end)) if found else None


def test_the_notice_is_the_first_of_the_latest():
    chance = random.Random(13)
    first = dt.date(2024, 1, 1)
    for _ in range(400):
        notices = []
        for _ in range(chance.randint(0, 6)):  # few days: equal starts and ends are common
            start = first + dt.timedelta(days=chance.randint(0, 4))
            notices.append(SimpleNamespace(kind=chance.choice(["activist", "candidate"]), start=start,
                                           end=start + dt.timedelta(days=chance.randint(0, 3)),
                                           place=chance.choice([None, "origin", "current"])))
        view = SimpleNamespace(dossier=SimpleNamespace(publicity=notices))
        for place in (None, "origin", "current"):
            day = first + dt.timedelta(days=chance.randint(0, 5))
            assert relevant_notice(view, "candidate", day, place) is _by_max(notices, "candidate", day, place)
