"""Reads of disputes and mediation, scoped by the one jurisdiction function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from gridgov.core.jurisdiction import restrict
from gridgov.mediation.models import Campaign, ScreeningReport
from gridgov.regions.models import Region, subtree_q

NIL = "nil"  # 零报告
FOUND = "found"  # 有纠纷
MISSING = "missing"  # 未报 (past the due date)
PENDING = "pending"  # 待报 (not yet due)
STATES = (NIL, FOUND, MISSING, PENDING)


@dataclass(frozen=True)
class GridScreening:
    grid: Region
    state: str
    report: ScreeningReport | None
    disputes: int


def campaigns(user: Any) -> Any:
    """The campaigns under the user's jurisdiction and those organised above it that cover
    their area (a grid worker sees the township's campaign for their grid)."""
    from gridgov.party.access import _posts

    above = {path[:n] for _role, path, _dept in _posts(user) if path for n in (2, 4, 6, 9, 12, 15)}
    inside = restrict(Campaign.objects.all(), user, "view").values("pk")
    return (
        Campaign.objects.filter(Q(pk__in=inside) | Q(region_path__in=sorted(above)))
        .select_related("region")
        .distinct()
    )


def screening(
    user: Any, campaign: Campaign, *, today: dt.date | None = None
) -> list[GridScreening]:
    """Every active grid under the campaign's region that the user sees, with its state: a
    grid that screened and found nothing (零报告) is told apart from one that did not report
    (未报 once the due date has passed, 待报 before)."""
    day = today or timezone.localdate()
    grids = restrict(
        Region.objects.filter(
            subtree_q(campaign.region_path, "path"), level="grid", is_active=True
        ).order_by("path"),
        user,
        "view",
    )
    reports = {
        r.grid_id: r
        for r in ScreeningReport.objects.filter(campaign=campaign).prefetch_related("disputes")
    }
    rows = []
    for grid in grids:
        report = reports.get(grid.pk)
        if report is None:
            state = MISSING if day > campaign.due_on else PENDING
            rows.append(GridScreening(grid, state, None, 0))
            continue
        count = len(report.disputes.all())
        rows.append(GridScreening(grid, NIL if report.nil else FOUND, report, count))
    return rows


def screening_summary(rows: list[GridScreening]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row.state] += 1
    counts["grids"] = len(rows)
    counts["disputes"] = sum(row.disputes for row in rows)
    return counts


# -- petitions: repeat petitioners and hot topics --------------------------------------------


@dataclass(frozen=True)
class RepeatPetitioner:
    """One petitioner (the same register person, ID number or phone) with several petitions."""

    name: str
    id_masked: str
    phone_masked: str
    petitions: int
    last_received: dt.date
    items: tuple[str, ...]
    petition_ids: tuple[int, ...]


def petitions(user: Any) -> Any:
    from gridgov.mediation.models import Petition

    return restrict(Petition.objects.select_related("case", "case__item"), user, "view")


def _identity(petitioner: Any) -> str:
    if petitioner.person_id:
        return f"person:{petitioner.person_id}"
    if petitioner.id_hash:
        return f"id:{petitioner.id_hash}"
    if petitioner.phone_hash:
        return f"phone:{petitioner.phone_hash}"
    return f"row:{petitioner.pk}"  # nothing to match on: never a repeat


def repeat_petitioners(
    user: Any, *, until: dt.date | None = None, days: int = 365, at_least: int = 2
) -> list[RepeatPetitioner]:
    """Petitioners with ``at_least`` petitions received in the ``days`` up to ``until``, inside
    the user's jurisdiction, most petitions first. A person is recognised by their register
    entry, else their ID number, else their phone (hashes; only masked values come back)."""
    from gridgov.mediation.models import Petitioner

    last = until or timezone.localdate()
    first = last - dt.timedelta(days=days - 1)
    visible = petitions(user).filter(received_on__gte=first, received_on__lte=last)
    rows = Petitioner.objects.filter(petition__in=visible.values("pk")).select_related(
        "petition", "petition__case__item"
    )
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(_identity(row), []).append(row)
    found = []
    for members in groups.values():
        ids = sorted({m.petition_id for m in members})
        if len(ids) < at_least:
            continue
        newest = max(members, key=lambda m: (m.petition.received_on, m.petition_id))
        items = tuple(dict.fromkeys(m.petition.case.item.name for m in members))
        found.append(
            RepeatPetitioner(
                name=newest.name,
                id_masked=newest.id_masked,
                phone_masked=newest.phone_masked,
                petitions=len(ids),
                last_received=newest.petition.received_on,
                items=items,
                petition_ids=tuple(ids),
            )
        )
    return sorted(found, key=lambda r: (-r.petitions, -r.last_received.toordinal(), r.name))


@dataclass(frozen=True)
class HotTopic:
    item_code: str
    item_name: str
    petitions: int
    people: int
    group_petitions: int
    previous: int  # the same number of days before


def hot_topics(
    user: Any, *, until: dt.date | None = None, days: int = 30, most: int = 10
) -> list[HotTopic]:
    """The matters (case items) most petitioned about in the ``days`` up to ``until``, with the
    people involved, group petitions and the count of the period before, inside the user's
    jurisdiction."""
    from django.db.models import Count, Q, Sum

    from gridgov.mediation.choices import GROUP_PETITION_PEOPLE

    last = until or timezone.localdate()
    first = last - dt.timedelta(days=days - 1)
    before = first - dt.timedelta(days=days)
    base = petitions(user).filter(received_on__gte=before, received_on__lte=last)
    now = Q(received_on__gte=first)
    table = (
        base.order_by()
        .values("case__item__code", "case__item__name")
        .annotate(
            n=Count("pk", filter=now),
            people=Sum("people_count", filter=now),
            groups=Count("pk", filter=now & Q(people_count__gte=GROUP_PETITION_PEOPLE)),
            previous=Count("pk", filter=~now),
        )
    )
    topics = [
        HotTopic(
            item_code=row["case__item__code"],
            item_name=row["case__item__name"],
            petitions=row["n"],
            people=row["people"] or 0,
            group_petitions=row["groups"],
            previous=row["previous"],
        )
        for row in table
        if row["n"]
    ]
    topics.sort(key=lambda t: (-t.petitions, -t.people, t.item_code))
    return topics[:most]


@dataclass(frozen=True)
class PetitionDue:
    """A petition with a statutory step open: which step, by when, and its light."""

    petition_id: int
    case_number: str
    step: str  # "acknowledge" | "reply" | "review"
    due: dt.date
    days_left: int
    light: str  # "red": overdue, "yellow": due within ``warn_days``, "green"


def petition_deadlines(
    user: Any, *, today: dt.date | None = None, warn_days: int = 3
) -> list[PetitionDue]:
    """Every petition inside the user's jurisdiction with a step still open — 受理告知
    (acknowledge), 答复 (reply, extended or not) or 复查答复 (review) — the most urgent first."""
    from gridgov.mediation.choices import PetitionState

    day = today or timezone.localdate()
    open_steps = {
        PetitionState.RECEIVED: ("acknowledge", "acknowledge_by"),
        PetitionState.ACCEPTED: ("reply", "reply_by"),
        PetitionState.EXTENDED: ("reply", "reply_by"),
        PetitionState.REVIEW: ("review", "review_by"),
    }
    rows = []
    for petition in petitions(user).filter(state__in=list(open_steps)):
        step, field = open_steps[petition.state]
        due = getattr(petition, field)
        if due is None:
            continue
        left = (due - day).days
        light = "red" if left < 0 else "yellow" if left <= warn_days else "green"
        rows.append(PetitionDue(petition.pk, petition.case.number, step, due, left, light))
    return sorted(rows, key=lambda r: (r.days_left, r.petition_id))


# -- lists: committees, mediators, disputes, mediations, legal service ----------------------


def committees(user: Any) -> Any:
    """The committees inside the user's jurisdiction."""
    from gridgov.mediation.models import Committee

    return restrict(Committee.objects.select_related("region"), user, "view")


def mediators(user: Any) -> Any:
    """The mediators of committees inside the user's jurisdiction."""
    from gridgov.mediation.models import Mediator

    return restrict(Mediator.objects.select_related("committee", "user"), user, "view")


def disputes(user: Any) -> Any:
    """The disputes inside the user's jurisdiction, with their case, parties and mediations
    (and each mediation's committee and lead mediator) fetched along."""
    from django.db.models import Prefetch

    from gridgov.mediation.models import Dispute, Mediation

    return restrict(
        Dispute.objects.select_related("case", "case__item", "case__region").prefetch_related(
            "parties",
            Prefetch(
                "mediations",
                queryset=Mediation.objects.select_related("committee", "mediator").order_by(
                    "-accepted_on", "-pk"
                ),
            ),
        ),
        user,
        "view",
    )


def mediations(user: Any) -> Any:
    """The mediations inside the user's jurisdiction, with dispute, case, committee and lead
    mediator."""
    from gridgov.mediation.models import Mediation

    return restrict(
        Mediation.objects.select_related(
            "dispute", "dispute__case", "committee", "mediator"
        ).prefetch_related("co_mediators"),
        user,
        "view",
    )


def lawyers(user: Any) -> Any:
    """The lawyers serving an area inside the user's jurisdiction."""
    from gridgov.mediation.models import Lawyer

    return restrict(Lawyer.objects.select_related("region"), user, "view")


def duties(
    user: Any,
    *,
    region: Region | str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    """The duty rota inside the user's jurisdiction: optionally only the centres under
    ``region`` (a region or its path) and the days from ``since`` to ``until`` (inclusive)."""
    from gridgov.mediation.models import LegalDuty

    rows = LegalDuty.objects.select_related("lawyer", "region")
    return _rota(rows, user, region, since, until)


def mediator_duties(
    user: Any,
    *,
    region: Region | str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    """The mediator duty rota inside the user's jurisdiction, filtered as ``duties``."""
    from gridgov.mediation.models import MediatorDuty

    rows = MediatorDuty.objects.select_related("mediator", "mediator__committee", "region")
    return _rota(rows, user, region, since, until)


def _rota(
    rows: Any,
    user: Any,
    region: Region | str | None,
    since: dt.date | None,
    until: dt.date | None,
) -> Any:
    if region is not None:
        path = region if isinstance(region, str) else region.path
        rows = rows.filter(subtree_q(path, "region_path"))
    if since is not None:
        rows = rows.filter(day__gte=since)
    if until is not None:
        rows = rows.filter(day__lte=until)
    return restrict(rows, user, "view")


def consultations(user: Any) -> Any:
    """The consultations at centres inside the user's jurisdiction."""
    from gridgov.mediation.models import Consultation

    return restrict(
        Consultation.objects.select_related("region", "lawyer", "dispute", "dispute__case"),
        user,
        "view",
    )


# -- petition reception pages: the list with filters, a petition's steps, hot keywords -------


@dataclass(frozen=True)
class PetitionFilter:
    """The petition list's filters (信访接待): form, state, 集体访, 重复访, 越级, overdue."""

    form: str = ""
    state: str = ""
    group: bool = False
    repeat: bool = False
    skips_level: bool = False
    overdue: bool = False
    region: str = ""


# each open state: the step it waits for and the field holding its deadline
OPEN_STEPS: dict[str, tuple[str, str]] = {
    "received": ("acknowledge", "acknowledge_by"),
    "accepted": ("reply", "reply_by"),
    "extended": ("reply", "reply_by"),
    "review": ("review", "review_by"),
}


def petition_list(user: Any, filters: PetitionFilter, *, today: dt.date | None = None) -> Any:
    """The petitions inside the user's jurisdiction matching ``filters`` (overdue: an open
    step past its deadline), newest first."""
    from gridgov.mediation.choices import GROUP_PETITION_PEOPLE

    day = today or timezone.localdate()
    rows = petitions(user).select_related("case__region", "repeat_of__case")
    if filters.form:
        rows = rows.filter(form=filters.form)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.group:
        rows = rows.filter(people_count__gte=GROUP_PETITION_PEOPLE)
    if filters.repeat:
        rows = rows.filter(repeat_of__isnull=False)
    if filters.skips_level:
        rows = rows.filter(skips_level=True)
    if filters.region:
        rows = rows.filter(subtree_q(filters.region, "region_path"))
    if filters.overdue:
        late = Q()
        for state, (_step, field) in OPEN_STEPS.items():
            late |= Q(state=state, **{f"{field}__lt": day})
        rows = rows.filter(late)
    return rows.order_by("-received_on", "-pk")


def light_of(due: dt.date, day: dt.date, warn_days: int = 3) -> str:
    """red: overdue; yellow: due within ``warn_days``; green."""
    left = (due - day).days
    return "red" if left < 0 else "yellow" if left <= warn_days else "green"


def open_step(petition: Any, *, today: dt.date | None = None) -> PetitionDue | None:
    """The petition's open statutory step with its light, as ``petition_deadlines`` gives it."""
    found = OPEN_STEPS.get(petition.state)
    due = getattr(petition, found[1]) if found else None
    if found is None or due is None:
        return None
    day = today or timezone.localdate()
    return PetitionDue(
        petition.pk, petition.case.number, found[0], due, (due - day).days, light_of(due, day)
    )


@dataclass(frozen=True)
class PetitionStep:
    """One statutory step of a petition: by when, when it was done, and a light while open."""

    key: str
    due: dt.date | None
    done: dt.date | None
    light: str  # red / yellow / green while open, "done", or "" (not reached)


def petition_steps(petition: Any, *, today: dt.date | None = None) -> list[PetitionStep]:
    """受理告知, 答复 and (once requested) 复查答复, in order."""
    day = today or timezone.localdate()
    current = OPEN_STEPS.get(petition.state, ("", ""))[0]

    def step(key: str, due: dt.date | None, done: dt.date | None) -> PetitionStep:
        if done is not None:
            light = "done"
        elif key == current and due is not None:
            light = light_of(due, day)
        else:
            light = ""
        return PetitionStep(key, due, done, light)

    steps = [
        step("acknowledge", petition.acknowledge_by, petition.acknowledged_on),
        step("reply", petition.reply_by, petition.replied_on),
    ]
    if petition.review_requested_on is not None:
        steps.append(step("review", petition.review_by, petition.reviewed_on))
    return steps


@dataclass(frozen=True)
class HotKeyword:
    word: str
    count: int  # occurrences in the period
    petitions: int  # petitions that use it


HOT_KEYWORD_PETITIONS = 5000
# Words that say nothing about the matter: function words and the petitions' own formulas.
_STOP_TEXT = """
    的 了 和 与 及 或 是 在 有 没有 不 也 都 就 还 又 而 并 但 但是 因为 所以 如果 已经 一直 多次
    我 我们 你 你们 他 他们 她 它 其 本人 自己 大家 这 那 这个 那个 这些 那些 这里 那里 什么 怎么
    一个 一些 问题 情况 反映 要求 希望 请求 申请 解决 处理 相关 有关 部门 进行 没 至今 目前 现在
    今年 去年 近期 时候 时间 能够 可以 不能 需要 给予 造成 导致 存在 表示 认为 知道 说 等 等等
    及时 尽快 仍 仍然 未 对 向 从 到 被 把 让 给 为 为了 关于 由于 以及 还是 并且 同时 然后 之后
    以后 以前 之前 其中 另外 此外 上 下 中 里 后 前 年 月 日 号 元 万元 次 个 位 名 人 户 家
    来电 来访 来信 网上 热线 信访 信访人 诉求 群众 村民 居民 市民 本人称 某称 人称 称 经 核实 经核实
    年前 多年 重新 单位 不符 村里 本村 此事 该 其他 有人 一位 多名 部分 今天 昨天 相关部门
    """
STOP_WORDS = frozenset(_STOP_TEXT.split())


def _tokenizer() -> Any:
    """jieba's tokenizer, initialised once per process (under jieba's own lock) from the
    dictionary in its package: offline, its cache in the temporary directory."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt


def keywords_of(text: str) -> list[str]:
    """The words of ``text`` that may name a matter: no stop words, single characters,
    numbers or punctuation."""
    words = []
    for raw in _tokenizer().lcut(text):
        word = raw.strip()
        if len(word) < 2 or word in STOP_WORDS:
            continue
        if not any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word):
            continue
        if word.isdigit() or (word.isascii() and not word.isalpha()):
            continue
        words.append(word)
    return words


def hot_keywords(user: Any, *, since: dt.date, until: dt.date, limit: int = 20) -> list[HotKeyword]:
    """The words most used in the titles and descriptions of the petitions received from
    ``since`` to ``until`` (inclusive) inside the user's jurisdiction (segmented by jieba):
    the words in most petitions first, then the most used."""
    from collections import Counter

    rows = (
        petitions(user)
        .filter(received_on__gte=since, received_on__lte=until)
        .order_by("-received_on", "-pk")
        .values_list("case__title", "case__description")[:HOT_KEYWORD_PETITIONS]
    )
    used: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for title, description in rows:
        words = keywords_of(f"{title}\n{description}")
        used.update(words)
        spread.update(set(words))
    ranked = sorted(used, key=lambda w: (-spread[w], -used[w], w))
    return [HotKeyword(w, used[w], spread[w]) for w in ranked[:limit]]


def grid_disputes(user: Any, grid: Region) -> Any:
    """The registered disputes of a grid that the user sees (for a screening report)."""
    from gridgov.mediation.models import Dispute

    return restrict(
        Dispute.objects.filter(subtree_q(grid.path, "region_path")).select_related(
            "case", "case__item"
        ),
        user,
        "view",
    ).order_by("-created_at")


# -- the resident portal and the grid worker's phone -----------------------------------------


def resident_consultations(resident: Any) -> Any:
    """The online consultations a resident asked (their account's phone), newest first."""
    from gridgov.mediation.choices import ConsultChannel
    from gridgov.mediation.models import Consultation

    return (
        Consultation.objects.filter(channel=ConsultChannel.ONLINE, phone_hash=resident.phone_hash)
        .exclude(phone_hash="")
        .select_related("region", "lawyer")
        .order_by("-created_at", "-pk")
    )


def resident_disputes(resident: Any) -> Any:
    """The disputes of the resident's own cases, with parties and mediations, newest first."""
    from django.db.models import Prefetch

    from gridgov.mediation.models import Dispute, Mediation

    return (
        Dispute.objects.filter(case__resident=resident)
        .select_related("case", "case__item", "case__region")
        .prefetch_related(
            "parties",
            Prefetch(
                "mediations",
                queryset=Mediation.objects.select_related("committee").order_by(
                    "-accepted_on", "-pk"
                ),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def screening_grids(user: Any) -> list[Region]:
    """The grids a user screens: their grid-worker grids, and every active grid under a grid
    chief's post."""
    from gridgov.accounts.roles import Role
    from gridgov.party.access import _posts

    paths = sorted(
        {
            path
            for role, path, _dept in _posts(user)
            if path and role in (Role.GRID_WORKER, Role.GRID_CHIEF)
        }
    )
    if not paths:
        return []
    inside = Q(pk__in=[])
    for path in paths:
        inside |= subtree_q(path, "path")
    return list(Region.objects.filter(inside, level="grid", is_active=True).order_by("path"))


def open_campaigns(user: Any, grids: list[Region], *, today: dt.date | None = None) -> list[Any]:
    """The campaigns covering one of ``grids`` that have started and were due at most 30 days
    ago, the latest first."""
    day = today or timezone.localdate()
    found = campaigns(user).filter(starts_on__lte=day, due_on__gte=day - dt.timedelta(days=30))
    return [
        campaign
        for campaign in found.order_by("-starts_on", "-pk")
        if any(grid.path.startswith(campaign.region_path) for grid in grids)
    ]


# -- workbench pages -------------------------------------------------------------------------


def my_mediations(user: Any) -> Any:
    """The mediations ``user`` leads or joins as a mediator with an account (whatever their
    posts)."""
    from gridgov.mediation.models import Mediation

    if not getattr(user, "is_authenticated", False):
        return Mediation.objects.none()
    return Mediation.objects.filter(Q(mediator__user=user) | Q(co_mediators__user=user))


def workable_disputes(user: Any) -> Any:
    """The disputes inside the user's jurisdiction and those of the mediations they lead or
    join, with what ``disputes`` fetches along."""
    from gridgov.mediation.models import Dispute

    inside = disputes(user).values("pk")
    mine = my_mediations(user).values("dispute_id")
    rows = Dispute.objects.filter(Q(pk__in=inside) | Q(pk__in=mine))
    return rows.select_related("case", "case__item", "case__region").prefetch_related(
        "parties", "mediations__committee", "mediations__mediator"
    )
