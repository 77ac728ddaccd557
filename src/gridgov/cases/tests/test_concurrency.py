"""Two people acting on the same case at once, with real threads on PostgreSQL: exactly one
wins, the other gets a clear conflict, and nothing is lost. Two sweeps at once act once."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections

from gridgov.cases import services
from gridgov.cases.errors import CaseConflict
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.sweep import sweep
from gridgov.cases.tests.fixtures import T0
from gridgov.cases.workflow import Action, Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]
H = dt.timedelta(hours=1)


@pytest.fixture
def committed(django_db_blocker):
    """Transactional tests run after the rest and flush the database when they end: make sure
    the demo county is there (it is reloaded after an earlier flush)."""
    from gridgov.demo import load_demo
    from gridgov.regions.models import Region

    if not Region.objects.filter(path="220283").exists():
        load_demo(log=lambda *_: None, cases=0, registry=False)


def _race(n, target):
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_operators_accept_at_once_one_wins(committed, report, people, monkeypatch):
    assert connection.vendor == "postgresql"
    case = report()
    operator = people.village_op
    real_state_of = services.state_of

    def slow_state_of(row):  # widen the window between reading and writing
        time.sleep(0.3)
        return real_state_of(row)

    monkeypatch.setattr(services, "state_of", slow_state_of)
    results = _race(
        2, lambda i: services.act(case=case.pk, user=operator, action=Action.ACCEPT, at=T0 + H)
    )
    wins = [r for r in results if not isinstance(r, Exception)]
    conflicts = [r for r in results if isinstance(r, CaseConflict)]
    assert len(wins) == 1 and len(conflicts) == 1, results
    assert "不能受理" in str(conflicts[0])
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.version == 2
    assert list(case.events.order_by("seq").values_list("action", flat=True)) == [
        "submit",
        "accept",
    ]


def test_different_actions_at_once_are_both_kept(committed, report, people, monkeypatch):
    """An urge and an instruction at the same moment: both are recorded, in some order."""
    case = report()
    results = _race(
        2,
        lambda i: services.act(
            case=case.pk,
            user=(people.supervisor, people.leader)[i],
            action=(Action.URGE, Action.INSTRUCT)[i],
            payload={"note": f"第{i}条"},
            at=T0 + H,
        ),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(CaseEvent.objects.filter(case=case).values_list("seq", flat=True)) == [1, 2, 3]


def test_two_sweeps_at_once_flag_each_case_once(committed, report):
    cases = [report(at=T0 + i * dt.timedelta(minutes=1)) for i in range(12)]
    now = T0 + 3 * H
    reports = _race(2, lambda i: sweep(now=now))
    assert not any(isinstance(r, Exception) for r in reports), reports
    assert sum(r.overdue for r in reports) == 12
    for case in cases:
        assert CaseEvent.objects.filter(case=case, action="flag_overdue").count() == 1
        assert Case.objects.get(pk=case.pk).overdue_step == 1
