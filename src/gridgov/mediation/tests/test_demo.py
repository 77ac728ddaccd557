"""The demo month of disputes, mediations, screening, legal service and petitions
(gridgov.demo.mediation), built once for this module over simulated cases of the test county
(one community with its register): committees everywhere, disputes with parties, mediation
states that agree with their case, agreement numbers that continue through the services,
screening showing 零报告 / 有纠纷 / 未报, consultations with the lawyer on duty, petitions with
their limits, group and repeat flags; everything inside the county."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.core import protection
from gridgov.demo.mediation import (
    DISPUTE_DAYS,
    PETITION_DAYS,
    MediationCounts,
    generate_mediation,
)
from gridgov.mediation import choices as c
from gridgov.mediation import selectors, services
from gridgov.mediation.models import (
    Agreement,
    AgreementCounter,
    Campaign,
    Committee,
    Confirmation,
    Consultation,
    Dispute,
    FollowUp,
    Lawyer,
    LegalDuty,
    Mediation,
    Mediator,
    MediatorDuty,
    Party,
    Petition,
    Petitioner,
    ScreeningReport,
    Session,
)
from gridgov.regions.models import Region, subtree_q
from gridgov.registry.models import Person
from gridgov.registry.validators import check_id_number
from gridgov.registry.values import protect_id

# One worker builds the module's county (``make test`` runs ``--dist loadgroup``).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("mediation-demo")]

COUNTY = "220283"
COMMUNITY = "220283001001"  # 育才社区: the register is built here
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=TZ)
TODAY = NOW.date()
RECORDS = (
    Committee,
    Mediator,
    Dispute,
    Party,
    Mediation,
    Session,
    Agreement,
    Confirmation,
    FollowUp,
    Campaign,
    ScreeningReport,
    Lawyer,
    LegalDuty,
    MediatorDuty,
    Consultation,
    Petition,
    Petitioner,
)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """1,200 simulated cases over the 90 days to NOW, one community's register and the demo
    month on top (rolled back after the module)."""
    from gridgov.demo.cases import generate_year_of_cases
    from gridgov.demo.registry import generate_registry

    with django_db_blocker.unblock(), transaction.atomic():
        county = Region.objects.get(path=COUNTY)
        generate_year_of_cases(county=county, count=1200, days=90, now=NOW, log=lambda *_: None)
        generate_registry(county=county, log=lambda *_: None, within=COMMUNITY, organisations=12)
        yield generate_mediation(county=county, log=lambda *_: None, now=NOW)
        transaction.set_rollback(True)


def local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at, TZ).date()


def window_cases(board: str, days: int, skip: tuple[str, ...]) -> list[Case]:
    return list(
        Case.objects.filter(
            board__code=board, created_at__gte=NOW - dt.timedelta(days=days), created_at__lte=NOW
        ).exclude(status__in=skip)
    )


def last_event(case: Case, *actions: str) -> dt.datetime | None:
    event = case.events.filter(action__in=actions).order_by("-seq").first()
    return event.at if event else None


def test_committees_in_every_township_and_village_with_mediators(built):
    units = Region.objects.filter(subtree_q(COUNTY, "path"), level__in=("township", "village"))
    people = Committee.objects.filter(kind=c.CommitteeKind.PEOPLE)
    assert set(people.values_list("region_path", flat=True)) == set(
        units.values_list("path", flat=True)
    )
    county = Committee.objects.filter(region_path=COUNTY)
    assert {x.specialities[0] for x in county} == {
        c.DisputeKind.PROPERTY,
        c.DisputeKind.TRAFFIC,
    }
    assert Committee.objects.count() == built.committees == units.count() + 2
    mediators = Mediator.objects.select_related("committee")
    assert mediators.count() == built.mediators > 40
    for m in mediators:
        assert m.region_path == m.committee.region_path and m.active
        assert m.phone_hash and "*" in m.phone_masked
    # Every township committee can mediate; some mediators work with their own account.
    township_ids = Committee.objects.filter(region__level="township").values_list("pk", flat=True)
    assert set(township_ids) <= set(mediators.values_list("committee_id", flat=True))
    with_account = mediators.filter(user__isnull=False)
    assert with_account.count() == built.mediator_accounts > 0
    assert all(m.name == m.user.full_name for m in with_account)


def test_every_dispute_case_has_a_dispute_with_parties(built):
    cases = window_cases("JF", DISPUTE_DAYS, ("rejected", "merged", "voided", "void_pending"))
    disputes = {d.case_id: d for d in Dispute.objects.all()}
    assert set(disputes) == {case.pk for case in cases}
    assert len(disputes) == built.disputes > 50
    by_dispute = defaultdict(list)
    for party in Party.objects.select_related("person"):
        by_dispute[party.dispute_id].append(party)
    for case in cases:
        dispute = disputes[case.pk]
        assert dispute.region_path == case.region_path
        assert dispute.kind == c.KIND_OF_ITEM[case.item.code]
        roles = [p.role for p in sorted(by_dispute[dispute.pk], key=lambda p: p.position)]
        assert roles[:2] == [c.PartyRole.APPLICANT, c.PartyRole.RESPONDENT]
    parties = Party.objects.all()
    assert parties.count() == built.parties
    # Register people as the services copy them; new parties with valid protected ID numbers.
    register = parties.filter(person__isnull=False).select_related("person")
    assert register.count() == built.register_parties > 0
    for party in register:
        person = party.person
        assert person.region_path.startswith(party.region_path)
        assert (party.name, party.id_masked, party.phone_masked) == (
            person.name,
            person.id_masked,
            person.phone_masked,
        )
    new = parties.filter(person__isnull=True, organisation__isnull=True).exclude(id_cipher="")
    assert new.exists()
    for party in new[:50]:
        number = protection.decrypt(party.id_cipher)
        check_id_number(number)
        found = protect_id(number)
        assert (found.masked, found.hash) == (party.id_masked, party.id_hash)
    assert Dispute.objects.filter(risk=c.Risk.HIGH).exists()


def test_mediation_state_agrees_with_the_case(built):
    waiting, running = ("submitted", "accepted", "dispatched"), ("in_progress", "held")
    mediations = Mediation.objects.select_related("dispute__case", "committee", "mediator")
    seen: Counter[str] = Counter()
    for m in mediations:
        case = m.dispute.case
        assert m.mediator.committee_id == m.committee_id
        assert m.region_path == case.region_path
        assert m.region_path.startswith(m.committee.region_path)
        assert m.accepted_on >= local_day(case.created_at)
        if m.state == c.MediationState.OPEN:
            assert case.status in running and m.closed_on is None
        else:
            assert case.status not in waiting + running
            handled = last_event(case, "handle", "self_handle")
            assert handled is not None and m.closed_on == local_day(handled)
            assert m.accepted_on <= m.closed_on
        seen[m.state] += 1
        for session in m.sessions.all():
            assert local_day(session.starts_at) >= m.accepted_on
            assert session.starts_at <= NOW
            if m.closed_on:
                assert local_day(session.starts_at) <= m.closed_on
    assert seen == +built.mediations
    assert Session.objects.count() == built.sessions > 0
    # No mediation before the case is signed for; at most one open mediation per dispute.
    assert not Mediation.objects.filter(dispute__case__status__in=waiting).exists()
    opens = Counter(mediations.filter(state="open").values_list("dispute_id", flat=True))
    assert opens and max(opens.values()) == 1
    closed = sum(n for s, n in seen.items() if s != c.MediationState.OPEN)
    agreed = sum(seen[s] for s in c.AGREEMENT_STATES)
    assert 0.7 <= agreed / closed < 1.0


def test_agreements_are_numbered_per_committee_and_year(built):
    agreements = list(Agreement.objects.select_related("mediation__committee"))
    assert len(agreements) == built.agreements > 0
    assert len({a.number for a in agreements}) == len(agreements)
    serials = defaultdict(list)
    for a in agreements:
        committee = a.mediation.committee
        assert a.mediation.state in c.AGREEMENT_STATES
        assert a.signed_on == a.mediation.closed_on and a.terms and a.signatures
        assert a.number == f"{committee.name}（{a.year}）调字第 {a.serial} 号"
        serials[(committee.pk, a.year)].append((a.signed_on, a.serial))
    for (committee_id, year), rows in serials.items():
        assert sorted(s for _d, s in rows) == list(range(1, len(rows) + 1))
        assert [s for _d, s in sorted(rows)] == sorted(s for _d, s in rows)  # in signing order
        assert AgreementCounter.objects.get(committee_id=committee_id, year=year).last == len(rows)
    # The services continue the numbering (closed by the case's lead, who hands the case in).
    open_one = (
        Mediation.objects.filter(state="open", dispute__case__lead_user__isnull=False)
        .select_related("committee", "dispute__case__lead_user")
        .order_by("pk")
        .first()
    )
    assert open_one is not None
    counter = AgreementCounter.objects.filter(committee=open_one.committee, year=TODAY.year)
    before = counter.first().last if counter.exists() else 0
    services.close_mediation(
        actor=open_one.dispute.case.lead_user,
        mediation=open_one,
        state=c.MediationState.AGREED,
        agreement={
            "facts": "双方就争议事项达成一致。",
            "terms": ["被申请人赔偿申请人人民币一千元"],
            "signed_on": max(open_one.accepted_on, TODAY),
        },
    )
    assert open_one.agreement.serial == before + 1
    # Judicial confirmations within 30 days; follow-ups for every agreement past its date.
    for confirmation in Confirmation.objects.select_related("agreement"):
        assert confirmation.applied_on <= services.confirmation_deadline(confirmation.agreement)
        assert confirmation.agreement.mediation.state == c.MediationState.AGREED
    assert Confirmation.objects.count() == built.confirmations
    due = Agreement.objects.filter(perform_by__lt=TODAY).exclude(mediation=open_one)
    visited = set(FollowUp.objects.values_list("mediation_id", flat=True))
    assert set(due.values_list("mediation_id", flat=True)) == visited
    assert FollowUp.objects.count() == built.follow_ups > 0


def test_screening_shows_nil_found_and_missing(built, people):
    county = Campaign.objects.get(region_path=COUNTY)
    assert county.due_on < TODAY
    rows = selectors.screening(people.county_op, county, today=TODAY)
    summary = selectors.screening_summary(rows)
    assert summary["nil"] == built.reports["nil"] - pending_reports() > 0
    assert summary["found"] > 0 and summary["missing"] == built.silent > 0
    assert summary["pending"] == 0
    for report in ScreeningReport.objects.filter(campaign=county).prefetch_related("disputes"):
        found = list(report.disputes.all())
        assert report.nil == (not found)
        for dispute in found:
            assert dispute.region_path.startswith(report.region_path)
            assert county.starts_on <= local_day(dispute.case.created_at) <= county.ends_on
        assert report.reported_at <= NOW
    running = Campaign.objects.exclude(pk=county.pk).get()
    states = Counter(r.state for r in selectors.screening(people.county_op, running, today=TODAY))
    assert states[selectors.PENDING] > 0 and states[selectors.MISSING] == 0


def pending_reports() -> int:
    return ScreeningReport.objects.exclude(campaign__region_path=COUNTY).filter(nil=True).count()


def test_lawyers_on_duty_answer_the_consultations(built):
    lawyers = Lawyer.objects.all()
    assert lawyers.count() == built.lawyers > 0
    assert all(len(x.licence_no) == 17 and x.licence_no.isdigit() for x in lawyers)
    taken = defaultdict(list)
    for duty in LegalDuty.objects.all():
        assert duty.region_path.startswith(duty.lawyer.region_path)
        taken[(duty.lawyer_id, duty.day)].append(duty.slot)
    for slots in taken.values():  # never two overlapping slots
        assert len(slots) == len(set(slots))
        assert c.DutySlot.FULL_DAY not in slots or len(slots) == 1
    assert LegalDuty.objects.count() == built.duties
    centres = set(LegalDuty.objects.values_list("region_path", flat=True))
    assert COUNTY in centres and any(len(p) == 9 for p in centres)
    consultations = list(Consultation.objects.select_related("region", "dispute__case"))
    assert len(consultations) == sum(built.consultations.values()) > 50
    for q in consultations:
        if q.lawyer_id is not None and q.referral != c.Referral.MEDIATION:
            assert [x.pk for x in services.on_duty(q.region, q.created_at)][:1] == [q.lawyer_id]
        assert (q.answered_at is None) == (q.answer == "")
        if q.answered_at is not None:
            assert q.answered_at >= q.created_at
    waiting = [q for q in consultations if q.answered_at is None]
    assert len(waiting) == built.consultations["waiting"] > 0
    referred = [q for q in consultations if q.referral == c.Referral.MEDIATION]
    for q in referred:
        assert q.dispute is not None and q.dispute.case.channel == "walk_in"
        assert q.answered_at == q.dispute.case.created_at
    assert len(referred) == built.consultations["mediation"]


def test_mediators_on_the_rota(built):
    rota = list(MediatorDuty.objects.select_related("mediator", "region"))
    assert len(rota) == built.mediator_duties > 0
    taken = defaultdict(list)
    for duty in rota:
        assert duty.region_path.startswith(duty.mediator.region_path)
        assert duty.region.level == "township" and duty.mediator.active
        taken[(duty.mediator_id, duty.day)].append(duty.slot)
    assert all(len(slots) == 1 for slots in taken.values())
    township = next(d.region for d in rota if d.day == TODAY)
    assert services.mediators_on_duty(township, NOW)  # someone is in the room now


def test_petitions_follow_their_case_and_the_limits(built):
    cases = window_cases("XF", PETITION_DAYS, ("merged", "voided", "void_pending"))
    petitions = {p.case_id: p for p in Petition.objects.select_related("case")}
    assert set(petitions) == {case.pk for case in cases}
    assert len(petitions) == built.petitions > 20
    done = ("handled", "closed", "rated", "archived")
    for p in petitions.values():
        assert p.region_path == p.case.region_path
        assert p.acknowledge_by == p.received_on + dt.timedelta(days=services.ACKNOWLEDGE_DAYS)
        assert (p.replied_on is not None) == (p.case.status in done)
        if p.case.status == "submitted":
            assert p.state == c.PetitionState.RECEIVED
        elif p.case.status == "rejected":
            assert p.state == c.PetitionState.NOT_ACCEPTED and p.reply_text
        if p.acknowledged_on is not None:
            assert p.acknowledged_on >= p.received_on
        if p.reply_by is not None:
            extra = services.EXTENSION_DAYS if p.extension_reason else 0
            assert p.acknowledged_on is not None
            assert p.reply_by == p.acknowledged_on + dt.timedelta(days=services.REPLY_DAYS + extra)
        if p.replied_on is not None:
            assert p.acknowledged_on is not None and p.replied_on >= p.acknowledged_on
            assert p.state in (
                c.PetitionState.REPLIED,
                c.PetitionState.REVIEW,
                c.PetitionState.REVIEWED,
            )
        if p.review_requested_on is not None:
            assert p.replied_on is not None
            assert p.review_requested_on <= p.replied_on + dt.timedelta(days=30)
        if p.satisfaction:
            assert p.replied_on is not None
    group = [p for p in petitions.values() if p.is_group]
    assert len(group) == built.group > 0
    assert all(p.petitioners.count() <= p.people_count for p in group)
    repeats = [p for p in petitions.values() if p.repeat_of_id]
    assert len(repeats) == built.repeats > 0
    for p in repeats:  # what link_repeat would accept
        assert p.repeat_of in services.possible_repeats(p)
    # Register petitioners carry the person's masked values and hashes, as the services do.
    for row in Petitioner.objects.filter(person__isnull=False).select_related("person"):
        person: Person = row.person
        assert (row.id_hash, row.phone_hash) == (person.id_hash, person.phone_hash)
    assert selectors.repeat_petitioners(_admin(), until=TODAY)


def _admin():
    from gridgov.accounts.models import User

    return User.objects.get(username="admin")


def test_everything_lies_inside_the_county_and_a_second_run_adds_nothing(built):
    for model in RECORDS:
        paths = set(model._default_manager.values_list("region_path", flat=True))
        assert paths and all(p.startswith(COUNTY) for p in paths), model
    assert (
        generate_mediation(county=Region.objects.get(path=COUNTY), log=lambda *_: None, now=NOW)
        == MediationCounts()
    )
