"""The rollups kept by every case action agree with a rebuild from the case events, and the
rollups, the case rows and the case lists give the same numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.cases.models import Case
from gridgov.cases.selectors import CaseFilter
from gridgov.cases.services import act
from gridgov.cases.tests.fixtures import COUNTY, GRID_B, T0, TOWNSHIP, VILLAGE
from gridgov.cases.workflow import Action
from gridgov.metrics import figures, rollup
from gridgov.metrics.measures import MEASURE_FILTERS, MEASURES
from gridgov.metrics.models import CaseRollup

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def run(case, user, action, at, **payload):
    act(case=case, user=user, action=action, payload=payload, at=at)
    case.refresh_from_db()
    return case


def dispatch_to_worker(case, people, at):
    run(case, people.village_op, Action.ACCEPT, at)
    run(
        case,
        people.village_op,
        Action.DISPATCH,
        at + 0.1 * H,
        lead={"kind": "user", "ref": str(people.grid_worker.pk)},
    )
    run(case, people.grid_worker, Action.SIGN, at + 0.2 * H)
    return case


@pytest.fixture
def scenario(report, people, township_item):
    """Eight cases over two days that between them take every path a figure counts."""
    op, worker = people.village_op, people.grid_worker
    cases = {}
    # 1. the whole loop, satisfied
    case = dispatch_to_worker(report(), people, T0 + 0.1 * H)
    run(case, worker, Action.HANDLE, T0 + 2 * H, result="已修好")
    run(case, op, Action.VERIFY_PASS, T0 + 3 * H)
    run(case, op, Action.CALLBACK, T0 + 4 * H, reached=True, rating="satisfied")
    cases["satisfied"] = case
    # 2. rejected
    case = report(title="重复反映的路灯问题")
    run(case, op, Action.REJECT, T0 + H, reason="不属于受理范围")
    cases["rejected"] = case
    # 3. still waiting
    cases["waiting"] = report(at=T0 + 2 * H, path=GRID_B, user=people.village_op)
    # 4. rework, unsatisfied, reopened, closed again
    case = dispatch_to_worker(report(at=T0 + 3 * H), people, T0 + 3.1 * H)
    run(case, worker, Action.HANDLE, T0 + 4 * H, result="处理了")
    run(case, op, Action.VERIFY_FAIL, T0 + 5 * H, reason="仍未修好")
    run(case, worker, Action.HANDLE, T0 + 6 * H, result="已彻底修好")
    run(case, op, Action.VERIFY_PASS, T0 + 7 * H)
    run(case, op, Action.CALLBACK, T0 + 8 * H, reached=True, rating="unsatisfied")
    cases["reopened"] = case
    # 5. a township-level item, next day, waiting at the township centre
    day2 = T0 + 24 * H
    case = report(at=day2, item_=township_item)
    cases["township"] = case
    # 6. callback not reached, anonymous reporter on another
    case = dispatch_to_worker(report(at=day2 + H, reporter_phone=""), people, day2 + 1.1 * H)
    run(case, worker, Action.HANDLE, day2 + 2 * H, result="已处理")
    run(case, op, Action.VERIFY_PASS, day2 + 3 * H)
    cases["unreachable"] = case
    # 7. supervised
    case = dispatch_to_worker(report(at=day2 + 2 * H), people, day2 + 2.1 * H)
    run(case, people.supervisor, Action.SUPERVISE, day2 + 3 * H, level="yellow", note="请尽快处理")
    cases["supervised"] = case
    return cases


def test_incremental_rollups_equal_a_rebuild_from_the_events(scenario):
    assert CaseRollup.objects.exists()
    assert rollup.differences_from_scratch() == []
    before = {
        (r.day, r.region_path, r.item_id, r.channel, r.status): [getattr(r, m) for m in MEASURES]
        for r in CaseRollup.objects.all()
        if any(getattr(r, m) for m in MEASURES)
    }
    written = rollup.rebuild(source="events")
    after = {
        (r.day, r.region_path, r.item_id, r.channel, r.status): [getattr(r, m) for m in MEASURES]
        for r in CaseRollup.objects.all()
    }
    assert written == len(after) and after == before
    assert rollup.rebuild(source="rows") == written


def test_a_tampered_rollup_is_found_and_the_command_repairs_it(scenario):
    row = CaseRollup.objects.filter(closed__gt=0).first()
    CaseRollup.objects.filter(pk=row.pk).update(closed=row.closed + 5)
    problems = rollup.differences_from_scratch()
    assert len(problems) == 1 and "closed" in problems[0]
    with pytest.raises(CommandError, match="1 处"):
        call_command("rebuild_rollups", "--check")
    call_command("rebuild_rollups", "--region", "220283001000")
    assert rollup.differences_from_scratch() == []
    call_command("rebuild_rollups", "--check")
    with pytest.raises(CommandError, match="数字"):
        call_command("rebuild_rollups", "--region", "舒兰")


def test_rollups_case_rows_and_case_lists_agree(scenario):
    span = figures.Span(T0.date(), T0.date() + dt.timedelta(days=1))
    for region in (COUNTY, TOWNSHIP, VILLAGE):
        scope = figures.Scope(region=region)
        from_rollups = figures.sums(scope, span, source="rollups")
        from_rows = figures.sums(scope, span, source="cases")
        assert from_rollups == from_rows
        base = scope.case_filter(span)
        for measure in MEASURE_FILTERS:
            listed = figures.with_measure(base, measure).apply(Case.objects.all()).count()
            assert listed == from_rollups[measure], measure
    totals = figures.sums(figures.Scope(region=COUNTY), span)
    assert totals["received"] == 7
    assert totals["accepted"] == 4  # not the rejected one, not the two waiting
    assert totals["closed"] == 2  # the reopened case is open again
    assert totals["reopened"] == 1 and totals["reworked"] == 0
    assert totals["supervised"] == 1 and totals["reachable_closed"] == 1
    assert totals["called_back"] == 1 and totals["rated"] == 1 and totals["satisfied"] == 1


def test_a_grid_scope_counts_the_rows(scenario):
    span = figures.Span.month(2026, 11)
    grid = figures.Scope(region=GRID_B)
    assert not grid.uses_rollups
    assert figures.sums(grid, span)["received"] == 1


def test_links_open_exactly_the_counted_cases(scenario, client, people):
    span = figures.Span.month(2026, 11)
    client.force_login(people.county_op)
    for value in figures.compute(figures.Scope(region=COUNTY), span):
        for url, expected in (
            (value.numerator_url, value.numerator),
            (value.denominator_url, value.denominator),
        ):
            if not url or (value.figure.kind == "hours" and url == value.numerator_url):
                continue
            query = url.split("?", 1)[1]
            from django.http import QueryDict

            listed = CaseFilter.from_query(QueryDict(query)).apply(Case.objects.all()).count()
            assert listed == expected, (value.figure.key, url)
