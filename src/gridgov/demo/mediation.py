"""Demo disputes, mediation, legal service and petitions (`gridgov.mediation`) for the demo
county, built beside the demo's cases so that every record agrees with its case.

* Committees: a people's mediation committee (人民调解委员会) for every township and village,
  plus the county's property (物业) and traffic-accident (交通事故) committees. Mediators: two
  per township committee (专职, and 兼职 or 法官进网格), four per county committee (专职 and
  律师), and in the villages with the most disputes (always the demo community) the grid
  chief's account (兼职), the demo community's operator too (专职) — about 60 in all.
* Disputes: one for every 矛盾纠纷 (JF) case of the last ``DISPUTE_DAYS`` days that was not
  rejected, merged or voided; kind from the item, parties from the register people of the
  grid where it has any (else new parties with valid generated ID numbers and phones, a
  property company as the respondent of some property disputes), amounts, risk with a few
  violence / mass flags. Mediation as the case stands: not started while the case waits to
  be accepted or signed, open while it is in progress (1–2 sessions so far), closed on the
  day the case was handled once it is handled or later (~85 % with an agreement, the rest
  failed, referred to the court or arbitration, or withdrawn; the case's handling text says
  so). Agreements numbered per committee and year in signing order (the counters set to the
  last number), some judicial confirmations, a follow-up for every agreement whose perform-by
  date has passed.
* Screening: a county campaign over the last month, past its due date: 零报告 from most
  grids, 有纠纷 reports linking the grid's disputes of the period, a few silent grids (未报,
  among them the grids that lost their worker) and a few late reports; and a township
  campaign still running (待报).
* Legal service: 15 lawyers (17-digit licence numbers) on a rota for the county centre (every
  working day) and the township centres (two half days a week) from a month ago to a week
  ahead, and the township committees' mediators on the mediation room rota (调解员值班表)
  over the same days; about 200 consultations at the duty times, each to the lawyer on duty then (as
  ``services.on_duty`` would pick), mostly answered, some waiting, a few referred to mediation
  (linked to the walk-in dispute registered from them).
* Petitions: one for every 信访 (XF) case of the last ``PETITION_DAYS`` days not merged or
  voided: form from the channel, acknowledged on the case's acceptance, replied on the day it
  was handled, satisfaction from the case's rating, a few group (5+) and level-skipping
  petitions, repeat petitions linked to an earlier one of the same petitioner on the same
  item, a few extended, a few letters acknowledged late, and a couple of review requests.

Protected values go through ``registry.values`` as the services store them. Everything comes
from one seeded generator and is written in bulk with explicit keys. Idempotent: nothing is
generated when the area already has committees. ``only`` limits the disputes, petitions,
screening and township centres to a subtree (for tests).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from gridgov.accounts.models import Post
from gridgov.accounts.roles import Role
from gridgov.cases.demo_texts import PHONE_PREFIXES
from gridgov.cases.models import Case, CaseEvent
from gridgov.demo.names import person_name
from gridgov.mediation import choices as c
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
from gridgov.mediation.services import (
    ACKNOWLEDGE_DAYS,
    EXTENSION_DAYS,
    REPLY_DAYS,
    REVIEW_DAYS,
)
from gridgov.ops.models import Assignment as OpsAssignment
from gridgov.regions.choices import Level
from gridgov.regions.models import Region, subtree_q
from gridgov.registry.models import Organisation, Person
from gridgov.registry.validators import id_check_char
from gridgov.registry.values import Protected, protect_id, protect_phone

SEED = 2026
DISPUTE_DAYS = 60  # the JF cases of the last two months: the month's disputes and the running ones
PETITION_DAYS = 75
LAWYERS = 15
VILLAGE_MEDIATORS = 12  # villages (by disputes) whose grid chief mediates with an account
CAMPAIGN_DAYS = 30
SILENT_SHARE = 0.02
LATE_SHARE = 0.02
CONSULT_WINDOW = 30
COURT = "舒兰市人民法院"
SKIP_CASES = ("rejected", "merged", "voided", "void_pending")
WAITING = ("submitted", "accepted", "dispatched")
RUNNING = ("in_progress", "held")
DONE = ("handled", "closed", "rated", "archived")

FIRMS = (
    "吉林舒兰正义律师事务所",
    "吉林法汇律师事务所舒兰分所",
    "吉林舒兰明德律师事务所",
    "吉林衡丰律师事务所",
    "吉林舒兰公正律师事务所",
)
NOT_MEDIATED = ("依法收回", "临时托管")  # handled by an authority's decision, not by agreement
FAILED_NOTES: dict[str, tuple[str, ...]] = {
    c.MediationState.FAILED: (
        "双方各执己见，经多次调解未能达成一致，已移交主管部门依法处理",
        "双方分歧较大，调解不成，已告知当事人诉讼途径，由主管部门依职权处理",
    ),
    c.MediationState.COURT: (
        "调解不成，已为当事人提供法律援助，引导其向人民法院起诉或申请强制执行",
    ),
}
AMOUNTS: dict[str, tuple[int, int] | None] = {
    c.DisputeKind.NEIGHBOUR: (0, 5_000),
    c.DisputeKind.FAMILY: None,
    c.DisputeKind.LAND: (2_000, 60_000),
    c.DisputeKind.HOMESTEAD: (5_000, 80_000),
    c.DisputeKind.PROPERTY: (500, 20_000),
    c.DisputeKind.SUPPORT: (3_000, 36_000),
    c.DisputeKind.LOAN: (5_000, 300_000),
    c.DisputeKind.FOREST: (3_000, 100_000),
    c.DisputeKind.DAMAGE: (300, 15_000),
    c.DisputeKind.TRAFFIC: (2_000, 120_000),
}
TERMS: dict[str, tuple[str, ...]] = {
    c.DisputeKind.NEIGHBOUR: (
        "{r}于{d}前拆除占用公共通道的杂物，恢复通行",
        "{r}向{a}赔礼道歉，双方今后互谅互让、和睦相处",
        "{r}一次性补偿{a}人民币{m}元",
    ),
    c.DisputeKind.FAMILY: (
        "双方同意继续共同生活，{r}保证不再酗酒、不再动手",
        "婚生子由{a}抚养，{r}每月支付抚养费人民币{m}元",
        "共同财产按双方商定方案分割，于{d}前交付完毕",
    ),
    c.DisputeKind.LAND: (
        "争议地块以村集体备案的承包合同及四至为准，归{a}承包经营",
        "{r}于{d}前一次性补偿{a}当年收益损失人民币{m}元",
    ),
    c.DisputeKind.HOMESTEAD: (
        "双方宅基地界线以村委会现场测量的界桩为准",
        "{r}于{d}前拆除越界部分围墙，费用自理",
        "{r}补偿{a}人民币{m}元",
    ),
    c.DisputeKind.PROPERTY: (
        "{a}于{d}前补缴物业费人民币{m}元",
        "{r}于{d}前完成楼道照明及单元门维修",
        "双方同意今后按物业服务合同约定履行各自义务",
    ),
    c.DisputeKind.SUPPORT: (
        "{r}自本月起每月支付老人赡养费人民币{m}元",
        "子女轮流照料老人生活，患病住院费用平均分担",
    ),
    c.DisputeKind.LOAN: (
        "{r}确认尚欠{a}借款本金人民币{m}元",
        "{r}于{d}前分期还清全部借款，不计利息",
    ),
    c.DisputeKind.FOREST: (
        "争议林地以林权证记载的四至为准",
        "{r}于{d}前补偿{a}林木损失人民币{m}元",
    ),
    c.DisputeKind.DAMAGE: (
        "{r}于{d}前修复渗漏的管道及防水层",
        "{r}一次性赔偿{a}装修及财物损失人民币{m}元",
    ),
    c.DisputeKind.TRAFFIC: (
        "{r}一次性赔偿{a}医疗费、误工费、护理费等共计人民币{m}元",
        "保险理赔部分由{r}协助{a}办理，款项于{d}前支付",
        "本协议履行完毕后，双方就本次交通事故再无其他争议",
    ),
}
FACTS: dict[str, str] = {
    c.DisputeKind.NEIGHBOUR: "双方系邻居，因生活琐事产生矛盾：{t}，多次协商未果。",
    c.DisputeKind.FAMILY: "双方系家庭成员，因家庭琐事及经济问题产生矛盾：{t}。",
    c.DisputeKind.LAND: "双方因土地承包经营权边界及收益发生争议：{t}。",
    c.DisputeKind.HOMESTEAD: "双方宅基地相邻，因界线及建房发生争议：{t}。",
    c.DisputeKind.PROPERTY: "业主与物业服务企业因服务质量及物业费发生争议：{t}。",
    c.DisputeKind.SUPPORT: "老人子女因赡养义务分担发生争议：{t}。",
    c.DisputeKind.LOAN: "双方存在民间借贷关系，借款到期未还：{t}。",
    c.DisputeKind.FOREST: "双方因林地四至及林木权属发生争议：{t}。",
    c.DisputeKind.DAMAGE: "因楼上住户管道渗漏造成楼下住户财产损失：{t}。",
    c.DisputeKind.TRAFFIC: "双方发生道路交通事故，交警部门已作出责任认定，就赔偿发生争议：{t}。",
}
MINUTES = (
    "调解员释明相关法律规定，双方分别陈述事实和诉求，情绪基本平稳。",
    "背靠背分别做工作，双方立场有所松动。",
    "现场查看争议现场，核实相关证据材料。",
    "双方就主要事项达成初步意向，约定下次会议确认细节。",
)
NEXT_STEPS = ("约定一周内再次调解", "待当事人提交证据材料后再议", "联系村委会协助核实情况", "")
QUESTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    c.LegalTopic.MARRIAGE: (
        (
            "协议离婚后发现对方隐瞒财产，还能再分割吗？",
            "可以。离婚后发现对方隐藏、转移夫妻共同财产的，可以向人民法院起诉请求再次分割，"
            "建议尽快收集银行流水等证据。",
        ),
        (
            "孩子抚养费对方一直不给，怎么办？",
            "可先协商或申请人民调解；对方仍不支付的，可向法院起诉或对生效判决申请强制执行。",
        ),
    ),
    c.LegalTopic.LABOUR: (
        (
            "在工地干活被拖欠三个月工资，没有签合同，能要回来吗？",
            "可以。未签劳动合同不影响追讨劳动报酬，请保留考勤、工资条、聊天记录等证据，"
            "可向人社局劳动保障监察投诉或申请劳动仲裁，也可申请法律援助。",
        ),
        (
            "单位不给交社保，辞职能要经济补偿吗？",
            "用人单位未依法缴纳社会保险费的，劳动者可以解除劳动合同并要求支付经济补偿。",
        ),
    ),
    c.LegalTopic.INJURY: (
        (
            "干活时摔伤，老板只给了医药费，工伤怎么认定？",
            "应自受伤之日起一年内向人社局申请工伤认定，认定后可申请劳动能力鉴定并主张工伤待遇。",
        ),
    ),
    c.LegalTopic.INHERITANCE: (
        (
            "父亲去世没有遗嘱，老房子怎么分？",
            "无遗嘱按法定继承，第一顺序继承人为配偶、子女、父母，原则上均等分配，可协商或调解。",
        ),
    ),
    c.LegalTopic.CONTRACT: (
        (
            "装修公司收了定金迟迟不开工，能退吗？",
            "对方迟延履行主要债务经催告后仍不履行的，可以解除合同；收受定金一方不履行的，"
            "应双倍返还定金。",
        ),
    ),
    c.LegalTopic.LAND: (
        (
            "承包地被邻居多占了一垄，村里不管怎么办？",
            "可申请村（社区）人民调解委员会调解，也可向乡镇农村土地承包仲裁机构申请仲裁。",
        ),
    ),
    c.LegalTopic.LOAN: (
        (
            "借给朋友五万元有借条，到期不还怎么办？",
            "借条是主要证据，可先催告并申请人民调解，诉讼时效为三年，从约定还款日起算。",
        ),
    ),
    c.LegalTopic.TRAFFIC: (
        (
            "被车撞了，对方只愿意赔医药费，误工费能要吗？",
            "可以主张医疗费、误工费、护理费、交通费等，先由交强险赔付，不足部分按责任比例承担，"
            "可申请交通事故人民调解委员会调解。",
        ),
    ),
    c.LegalTopic.CONSUMER: (
        (
            "网上买的保健品有问题，商家不给退怎么办？",
            "可向市场监管部门投诉（12315），食品不符合安全标准的可要求退一赔十。",
        ),
    ),
    c.LegalTopic.OTHER: (
        (
            "房东不退押金，合同到期已经搬走了，怎么办？",
            "请保留租赁合同和交房记录，可先协商，再申请人民调解或向法院起诉。",
        ),
    ),
}
TOPIC_WEIGHTS = (
    (c.LegalTopic.MARRIAGE, 20),
    (c.LegalTopic.LABOUR, 18),
    (c.LegalTopic.INJURY, 6),
    (c.LegalTopic.INHERITANCE, 10),
    (c.LegalTopic.CONTRACT, 8),
    (c.LegalTopic.LAND, 10),
    (c.LegalTopic.LOAN, 12),
    (c.LegalTopic.TRAFFIC, 7),
    (c.LegalTopic.CONSUMER, 4),
    (c.LegalTopic.OTHER, 5),
)
TOPIC_OF_KIND: dict[str, str] = {
    c.DisputeKind.FAMILY: c.LegalTopic.MARRIAGE,
    c.DisputeKind.SUPPORT: c.LegalTopic.MARRIAGE,
    c.DisputeKind.INHERITANCE: c.LegalTopic.INHERITANCE,
    c.DisputeKind.LAND: c.LegalTopic.LAND,
    c.DisputeKind.HOMESTEAD: c.LegalTopic.LAND,
    c.DisputeKind.FOREST: c.LegalTopic.LAND,
    c.DisputeKind.LOAN: c.LegalTopic.LOAN,
    c.DisputeKind.TRAFFIC: c.LegalTopic.TRAFFIC,
    c.DisputeKind.CONTRACT: c.LegalTopic.CONTRACT,
}
PETITION_REPLIES = (
    "经调查核实，您反映的问题已责成相关部门处理，处理结果如上。如对本答复意见不服，"
    "可自收到之日起 30 日内向上一级行政机关请求复查。",
)
REVIEW_TEXT = "经复查，原答复意见认定事实清楚、处理恰当，予以维持。"
EXTENSION_REASONS = ("涉及多个部门，需进一步调查核实", "需等待鉴定结论", "需协调上级部门意见")
NOT_ACCEPTED = "该事项不属于信访受理范围，已告知信访人通过法定途径反映"


@dataclass
class MediationCounts:
    committees: int = 0
    mediators: int = 0
    mediator_accounts: int = 0
    disputes: int = 0
    parties: int = 0
    register_parties: int = 0
    mediations: Counter[str] = field(default_factory=Counter)
    sessions: int = 0
    agreements: int = 0
    confirmations: int = 0
    follow_ups: int = 0
    campaigns: int = 0
    reports: Counter[str] = field(default_factory=Counter)  # nil / found / late
    silent: int = 0
    lawyers: int = 0
    duties: int = 0
    mediator_duties: int = 0
    consultations: Counter[str] = field(default_factory=Counter)  # answered / waiting / mediation
    petitions: int = 0
    group: int = 0
    repeats: int = 0
    skips: int = 0
    late_acknowledged: int = 0
    extended: int = 0
    reviews: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        states = dict(c.MediationState.choices)
        outcome = "、".join(f"{states[s]} {n}" for s, n in sorted(self.mediations.items()) if n)
        return (
            f"调解委员会 {self.committees} 个、调解员 {self.mediators} 名（有账号 "
            f"{self.mediator_accounts} 名）、矛盾纠纷 {self.disputes} 件（当事人 {self.parties} "
            f"名）、调解 {sum(self.mediations.values())} 件（{outcome}）、调解会 {self.sessions} "
            f"次、协议书 {self.agreements} 份、司法确认 {self.confirmations} 件、回访 "
            f"{self.follow_ups} 次、排查 {self.campaigns} 次（零报告 {self.reports['nil']}、"
            f"有纠纷 {self.reports['found']}、未报 {self.silent}）、律师 {self.lawyers} 名、"
            f"值班 {self.duties} 班次、调解员值班 {self.mediator_duties} 班次、法律咨询 {sum(self.consultations.values())} 件（待解答 "
            f"{self.consultations['waiting']}、转调解 {self.consultations['mediation']}）、"
            f"信访 {self.petitions} 件（集体访 {self.group}、重复信访 {self.repeats}、越级 "
            f"{self.skips}、复查 {self.reviews}）"
        )


def generate_mediation(
    *,
    county: Region,
    log: Callable[[str], object] = print,
    only: str | None = None,
    seed: int = SEED,
    now: dt.datetime | None = None,
) -> MediationCounts:
    """Build the month of disputes, mediations, screening, legal service and petitions of the
    county (or of the subtree ``only``) from its cases. Nothing when the area already has
    mediation committees."""
    started = time.monotonic()
    scope = only or county.path
    if Committee.objects.filter(subtree_q(scope, "region_path")).exists():
        return MediationCounts()
    log("生成矛盾纠纷调解、排查、法律服务和信访：调解委员会、调解员、纠纷、协议书、值班律师…")
    with transaction.atomic():
        gen = _Builder(county=county, scope=scope, seed=seed, now=now or timezone.now())
        gen.build()
        gen.write()
    counts = gen.counts
    counts.seconds = time.monotonic() - started
    log(f"  {counts.summary()}（用时 {counts.seconds:.1f} 秒）")
    return counts


# -- the rows --------------------------------------------------------------------------------

MODELS: tuple[type[models.Model], ...] = (
    Committee,
    Mediator,
    Dispute,
    Party,
    Mediation,
    Mediation.co_mediators.through,
    Session,
    Agreement,
    AgreementCounter,
    Confirmation,
    FollowUp,
    Campaign,
    ScreeningReport,
    ScreeningReport.disputes.through,
    Lawyer,
    LegalDuty,
    MediatorDuty,
    Consultation,
    Petition,
    Petitioner,
)


@dataclass
class _Case:
    id: int
    number: str
    title: str
    description: str
    status: str
    channel: str
    item: str
    path: str
    created: dt.datetime
    rating: str | None
    accepted: dt.datetime | None = None
    signed: dt.datetime | None = None
    handled: dt.datetime | None = None
    result: str = ""
    rejected: dt.datetime | None = None


@dataclass
class _Person:
    """Who a party or petitioner is: a register entry or a new one (with protected values)."""

    name: str
    person_id: int | None = None
    organisation_id: int | None = None
    id_cipher: str = ""
    id_masked: str = ""
    id_hash: str = ""
    phone: Protected = field(default_factory=lambda: Protected("", "", ""))
    gender: str = ""
    birth_year: int | None = None
    address: str = ""


class _Builder:
    def __init__(self, *, county: Region, scope: str, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(f"mediation:{seed}")  # noqa: S311 - demo data
        self.county = county
        self.scope = scope
        self.now = now
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localtime(now, self.tz).date()
        self.counts = MediationCounts()
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.next_id = {
            m: (m._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1 for m in MODELS
        }
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

        regions = list(
            Region.objects.filter(subtree_q(county.path, "path"), is_active=True)
            .filter(level__in=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.GRID))
            .order_by("path")
            .values("id", "path", "name", "level")
        )
        self.region_id = {r["path"]: r["id"] for r in regions}
        self.names = {r["path"]: r["name"] for r in regions}
        inside = [r for r in regions if r["path"].startswith(scope) or scope.startswith(r["path"])]
        self.townships = [r["path"] for r in inside if r["level"] == Level.TOWNSHIP]
        self.villages = [r["path"] for r in inside if r["level"] == Level.VILLAGE]
        self.grids = [r["path"] for r in inside if r["level"] == Level.GRID]

        # Accounts: who registers and reports where.
        self.operator: dict[str, int] = {}
        self.grid_worker: dict[str, int] = {}
        self.grid_chief: dict[str, int] = {}
        for user_id, role, path in (
            Post.objects.current()
            .filter(subtree_q(county.path, "region__path"))
            .filter(
                role__in=(
                    Role.COUNTY_OPERATOR,
                    Role.TOWNSHIP_OPERATOR,
                    Role.VILLAGE_OPERATOR,
                    Role.GRID_WORKER,
                    Role.GRID_CHIEF,
                )
            )
            .order_by("user__username", "pk")
            .values_list("user_id", "role", "region__path")
        ):
            if role == Role.GRID_WORKER:
                self.grid_worker.setdefault(path, user_id)
            elif role == Role.GRID_CHIEF:
                self.grid_chief.setdefault(path, user_id)
            else:
                self.operator.setdefault(path, user_id)

        # The register: adults by grid, organisations by grid.
        adult = self.today.replace(year=self.today.year - 20)
        self.people: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in (
            Person.objects.filter(subtree_q(scope[:9] if len(scope) > 9 else scope, "region_path"))
            .filter(birth_date__lte=adult, state="active")
            .order_by("pk")
            .values_list(
                "id",
                "name",
                "id_masked",
                "id_hash",
                "phone_masked",
                "phone_hash",
                "gender",
                "birth_date",
                "region_path",
            )
        ):
            self.people[row[8][:15]].append(row)
        self.organisations: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pk, name, path in (
            Organisation.objects.filter(subtree_q(scope, "region_path"))
            .order_by("pk")
            .values_list("id", "name", "region_path")
        ):
            self.organisations[path[:15]].append((pk, name))

    # -- helpers ---------------------------------------------------------------------------

    def add(self, model: type[models.Model], **values: Any) -> Any:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        obj = model(id=pk, **values)
        self.rows[model].append(obj)
        return obj

    def operator_of(self, path: str) -> int:
        for n in (len(path), 12, 9, 6):
            if n <= len(path) and path[:n] in self.operator:
                return self.operator[path[:n]]
        return self.operator[self.county.path]

    def local(self, day: dt.date, hour: float) -> dt.datetime:
        minutes = int(hour * 60)
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=self.tz)

    def date_of(self, at: dt.datetime) -> dt.date:
        return timezone.localtime(at, self.tz).date()

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def new_person(self, path: str) -> _Person:
        rng = self.rng
        male = rng.random() < 0.5
        birth = dt.date(rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28))
        while True:
            serial = rng.randint(0, 499) * 2 + (1 if male else 0)
            first17 = f"{self.county.path}{birth:%Y%m%d}{serial:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                break
        number = first17 + id_check_char(first17)
        protected = protect_id(number)
        village, township = path[:12], path[:9]
        return _Person(
            name=person_name(rng),
            id_cipher=protected.cipher,
            id_masked=protected.masked,
            id_hash=protected.hash,
            phone=protect_phone(self.mobile()),
            gender="male" if male else "female",
            birth_year=birth.year,
            address=f"{self.names.get(township, '')}{self.names.get(village, '')}"
            f"{rng.randint(1, 12)}组{rng.randint(1, 60)}号",
        )

    def someone(self, grid: str, taken: set[int], register_share: float = 0.75) -> _Person:
        """A register person of the grid (not already a party here) where possible."""
        pool = self.people.get(grid[:15], [])
        if pool and self.rng.random() < register_share:
            for _ in range(8):
                pk, name, id_masked, id_hash, phone_masked, phone_hash, gender, birth, _p = (
                    self.rng.choice(pool)
                )
                if pk not in taken:
                    taken.add(pk)
                    return _Person(
                        name=name,
                        person_id=pk,
                        id_masked=id_masked,
                        id_hash=id_hash,
                        phone=Protected("", phone_masked, phone_hash),
                        gender=gender,
                        birth_year=birth.year if birth else None,
                    )
        return self.new_person(grid)

    # -- build -----------------------------------------------------------------------------

    def build(self) -> None:
        cases = self.load_cases("JF", DISPUTE_DAYS)
        self.committees(cases)
        self.disputes(cases)
        self.screening()
        self.legal_service()
        self.petitions(self.load_cases("XF", PETITION_DAYS))

    def load_cases(self, board: str, days: int) -> list[_Case]:
        since = self.now - dt.timedelta(days=days)
        found = {
            row[0]: _Case(*row)
            for row in Case.objects.filter(
                subtree_q(self.scope, "region_path"),
                board__code=board,
                created_at__gte=since,
                created_at__lte=self.now,
            )
            .exclude(
                status__in=SKIP_CASES if board == "JF" else ("merged", "voided", "void_pending")
            )
            .order_by("created_at", "pk")
            .values_list(
                "id",
                "number",
                "title",
                "description",
                "status",
                "channel",
                "item__code",
                "region_path",
                "created_at",
                "rating",
            )
        }
        for case_id, action, at, note in (
            CaseEvent.objects.filter(case_id__in=list(found))
            .order_by("case_id", "seq")
            .values_list("case_id", "action", "at", "note")
        ):
            case = found[case_id]
            if action == "accept" and case.accepted is None:
                case.accepted = at
            elif action in ("sign", "self_handle"):
                case.signed = at
            elif action == "reject":
                case.rejected = at
            if action in ("handle", "self_handle"):
                case.handled, case.result = at, note
        return list(found.values())

    # -- committees and mediators ------------------------------------------------------------

    def committees(self, cases: list[_Case]) -> None:
        rng = self.rng
        county = self.county.path
        self.committee: dict[str, Committee] = {}
        self.mediators: dict[int, list[Mediator]] = defaultdict(list)
        everyone = list(c.DisputeKind.values)
        county_name = self.names[county]
        existing = set(Committee.objects.values_list("region_id", "name"))

        def committee(
            path: str, name: str, kind: str, specialities: Sequence[str], address: str
        ) -> Any:
            if (self.region_id[path], name) in existing:
                return None
            return self.add(
                Committee,
                name=name,
                kind=kind,
                region_id=self.region_id[path],
                region_path=path,
                specialities=list(specialities),
                address=address,
            )

        def mediator(
            com: Committee, kind: str, user_id: int | None = None, name: str | None = None
        ) -> None:
            entry = self.add(
                Mediator,
                committee_id=com.pk,
                region_path=com.region_path,
                name=name or person_name(rng),
                kind=kind,
                user_id=user_id,
                specialities=list(com.specialities),
                certified_on=self.today - dt.timedelta(days=rng.randint(200, 6 * 365)),
                **_phone(protect_phone(self.mobile())),
            )
            self.mediators[com.pk].append(entry)

        centre = f"{county_name}社会治理综合服务中心"
        for key, name, kind, spec in (
            ("property", f"{county_name}物业纠纷人民调解委员会", c.CommitteeKind.INDUSTRY,
             [c.DisputeKind.PROPERTY]),
            ("traffic", f"{county_name}道路交通事故纠纷人民调解委员会",
             c.CommitteeKind.PROFESSIONAL, [c.DisputeKind.TRAFFIC, c.DisputeKind.DAMAGE]),
        ):  # fmt: skip
            made = committee(
                county, name, kind, spec, f"{centre}{'三' if key == 'traffic' else '二'}楼调解室"
            )
            if made is not None:
                self.committee[key] = made
                for kind_ in (c.MediatorKind.FULL_TIME, c.MediatorKind.FULL_TIME,
                              c.MediatorKind.LAWYER, c.MediatorKind.PART_TIME):  # fmt: skip
                    mediator(made, kind_)
        for i, township in enumerate(self.townships):
            name = self.names[township]
            made = committee(
                township,
                f"{name}人民调解委员会",
                c.CommitteeKind.PEOPLE,
                everyone,
                f"{name}社会治理综合服务中心调解室",
            )
            if made is None:
                continue
            self.committee[township] = made
            mediator(made, c.MediatorKind.FULL_TIME)
            mediator(made, c.MediatorKind.JUDGE if i % 3 == 0 else c.MediatorKind.PART_TIME)
        busy = Counter(case.path[:12] for case in cases)
        demo_village = min(self.villages) if self.villages else ""
        with_mediators = {demo_village} | {
            v for v, _n in busy.most_common(VILLAGE_MEDIATORS - 1) if v in self.villages
        }
        for village in self.villages:
            name = self.names[village]
            made = committee(
                village,
                f"{name}人民调解委员会",
                c.CommitteeKind.PEOPLE,
                [
                    c.DisputeKind.NEIGHBOUR,
                    c.DisputeKind.FAMILY,
                    c.DisputeKind.SUPPORT,
                    c.DisputeKind.LAND,
                    c.DisputeKind.HOMESTEAD,
                ],
                f"{self.names[village[:9]]}{name}党群服务中心",
            )
            if made is None:
                continue
            self.committee[village] = made
            if village in with_mediators and village in self.grid_chief:
                mediator(made, c.MediatorKind.PART_TIME, user_id=self.grid_chief[village])
                if village == demo_village and village in self.operator:
                    mediator(made, c.MediatorKind.FULL_TIME, user_id=self.operator[village])
        self.counts.committees = len(self.rows[Committee])
        entries = [m for ms in self.mediators.values() for m in ms]
        self.counts.mediators = len(entries)
        self.counts.mediator_accounts = sum(1 for m in entries if m.user_id)
        # The accounts' names on the mediator entries.
        from gridgov.accounts.models import User

        names = dict(
            User.objects.filter(pk__in=[m.user_id for m in entries if m.user_id]).values_list(
                "pk", "full_name"
            )
        )
        for m in entries:
            if m.user_id:
                m.name = names.get(m.user_id) or m.name

    def committee_for(self, kind: str, path: str) -> Committee | None:
        rng = self.rng
        if kind == c.DisputeKind.TRAFFIC and "traffic" in self.committee:
            return self.committee["traffic"]
        if kind == c.DisputeKind.PROPERTY and "property" in self.committee and rng.random() < 0.6:
            return self.committee["property"]
        village = self.committee.get(path[:12])
        if village is not None and self.mediators.get(village.pk) and rng.random() < 0.8:
            return village
        township = self.committee.get(path[:9])
        if township is not None and self.mediators.get(township.pk):
            return township
        return None

    # -- disputes --------------------------------------------------------------------------

    def disputes(self, cases: list[_Case]) -> None:
        rng = self.rng
        self.dispute_rows: list[tuple[Dispute, _Case, list[_Person]]] = []
        agreements: list[tuple[Agreement, Committee]] = []
        counts = self.counts
        for case in cases:
            kind = c.KIND_OF_ITEM.get(case.item, c.DisputeKind.OTHER)
            span = AMOUNTS.get(kind)
            amount = (
                Decimal(rng.randint(max(1, span[0] // 100), span[1] // 100) * 100)
                if span and span[1] and rng.random() < 0.85
                else None
            )
            mass = kind in (c.DisputeKind.LAND, c.DisputeKind.FOREST, c.DisputeKind.PROPERTY) and (
                rng.random() < 0.06
            )
            violence = rng.random() < 0.04
            r = rng.random()
            risk = (
                c.Risk.HIGH
                if mass or violence or r < 0.03
                else (c.Risk.MEDIUM if r < 0.2 else c.Risk.LOW)
            )
            creator = self.operator_of(case.path)
            dispute = self.add(
                Dispute,
                case_id=case.id,
                region_path=case.path,
                kind=kind,
                amount_yuan=amount,
                people_involved=rng.randint(12, 60) if mass else rng.choice((2, 2, 2, 3, 4)),
                risk=risk,
                violence_risk=violence,
                mass_risk=mass,
                created_by_id=creator,
                created_at=case.created,
            )
            taken: set[int] = set()
            parties = [self.someone(case.path, taken)]
            grid_orgs = self.organisations.get(case.path[:15], [])
            if kind == c.DisputeKind.PROPERTY and rng.random() < 0.5:
                if grid_orgs:
                    pk, name = rng.choice(grid_orgs)
                    parties.append(_Person(name=name, organisation_id=pk))
                else:
                    parties.append(
                        _Person(
                            name=f"{self.names[case.path[:9]]}{rng.choice('安泰康宁')}物业服务有限公司"
                        )
                    )
            else:
                parties.append(self.someone(case.path, taken))
            if rng.random() < 0.12:
                parties.append(self.someone(case.path, taken))
            roles = [c.PartyRole.APPLICANT, c.PartyRole.RESPONDENT, c.PartyRole.THIRD]
            for position, (who, role) in enumerate(zip(parties, roles, strict=False)):
                self.add(
                    Party,
                    dispute_id=dispute.pk,
                    region_path=case.path,
                    role=role,
                    person_id=who.person_id,
                    organisation_id=who.organisation_id,
                    name=who.name,
                    # A register person's values as ``services._party`` copies them.
                    id_cipher="" if who.person_id else who.id_cipher,
                    id_masked=who.id_masked,
                    id_hash="" if who.person_id else who.id_hash,
                    phone_cipher="" if who.person_id else who.phone.cipher,
                    phone_masked=who.phone.masked,
                    phone_hash="" if who.person_id else who.phone.hash,
                    gender=who.gender,
                    birth_year=who.birth_year,
                    address=who.address,
                    agent=person_name(rng) if rng.random() < 0.05 else "",
                    position=position,
                )
                counts.parties += 1
                counts.register_parties += who.person_id is not None
            counts.disputes += 1
            self.dispute_rows.append((dispute, case, parties))
            if case.status in WAITING:
                continue
            committee = self.committee_for(kind, case.path)
            if committee is None:
                continue
            made = self.mediation(dispute, case, committee, parties, creator)
            if made is None:
                continue
            mediation, agreement = made
            counts.mediations[mediation.state] += 1
            if agreement is not None:
                agreements.append((agreement, committee))
        self.number(agreements)

    def mediation(
        self,
        dispute: Dispute,
        case: _Case,
        committee: Committee,
        parties: list[_Person],
        creator: int,
    ) -> tuple[Mediation, Agreement | None] | None:
        rng = self.rng
        start = case.signed or case.accepted or case.created
        if case.status in DONE:
            end = case.handled or start
            if end < start:
                start = case.created
            state = _outcome(case.result, rng.random())
        elif case.status in RUNNING:
            end, state = None, c.MediationState.OPEN
        else:
            return None
        pool = self.mediators[committee.pk]
        lead = rng.choice(pool)
        operator = self.operator_of(committee.region_path)
        mediation = self.add(
            Mediation,
            dispute_id=dispute.pk,
            region_path=dispute.region_path,
            committee_id=committee.pk,
            mediator_id=lead.pk,
            accepted_on=self.date_of(start),
            state=state,
            outcome_note=rng.choice(FAILED_NOTES[state]) if state in FAILED_NOTES else "",
            referred_to=(
                COURT
                if state == c.MediationState.COURT
                else "舒兰市农村土地承包仲裁委员会"
                if state == c.MediationState.ARBITRATION
                else ""
            ),
            closed_on=self.date_of(end) if end else None,
            created_by_id=operator,
            created_at=start,
            version=2 if end else 1,
        )
        others = [m for m in pool if m.pk != lead.pk]
        if others and rng.random() < 0.35:
            self.add(
                Mediation.co_mediators.through,
                mediation_id=mediation.pk,
                mediator_id=rng.choice(others).pk,
            )
        self.sessions(mediation, committee, parties, lead, start, end)
        if state == c.MediationState.PARTIAL:
            mediation.outcome_note = "部分事项达成协议，其余事项已告知当事人通过诉讼途径解决"
        if state not in c.AGREEMENT_STATES:
            return mediation, None
        assert end is not None
        signed = self.date_of(end)
        perform_by = signed + dt.timedelta(days=rng.choice((0, 7, 15, 15, 30, 30, 60)))
        amount = int(dispute.amount_yuan or rng.randint(10, 80) * 100)
        names = {"a": parties[0].name, "r": parties[1].name}
        templates = TERMS.get(dispute.kind, ("双方同意按调解方案履行，今后互不追究",))
        terms = [
            t.format(m=f"{amount:,}", d=f"{perform_by:%Y年%m月%d日}", **names)
            for t in templates[: rng.randint(max(1, len(templates) - 1), len(templates))]
        ]
        signatures = [
            {"label": str(c.PartyRole(role).label), "name": who.name, "signed": True}
            for who, role in zip(
                parties,
                (c.PartyRole.APPLICANT, c.PartyRole.RESPONDENT, c.PartyRole.THIRD),
                strict=False,
            )
        ]
        if state == c.MediationState.PARTIAL:
            signatures[-1]["signed"] = False
        signatures.append({"label": "调解员", "name": lead.name, "signed": True})
        agreement = self.add(
            Agreement,
            mediation_id=mediation.pk,
            region_path=mediation.region_path,
            year=signed.year,
            serial=0,
            number="",
            facts=FACTS.get(dispute.kind, "{t}。").format(t=case.title),
            terms=terms,
            perform_by=perform_by,
            perform_note="当场履行" if perform_by == signed else "按协议约定期限履行",
            signatures=signatures,
            signed_on=signed,
            created_at=end,
        )
        self.after_agreement(agreement, mediation, state, lead, operator)
        return mediation, agreement

    def sessions(
        self,
        mediation: Mediation,
        committee: Committee,
        parties: list[_Person],
        lead: Mediator,
        start: dt.datetime,
        end: dt.datetime | None,
    ) -> None:
        rng = self.rng
        last = end or self.now
        span = (last - start).total_seconds()
        if end is None:
            n = rng.choice((0, 1, 1, 2)) if span > 3 * 3600 else 0
        else:
            n = 1 if span < 2 * 86400 else rng.choice((1, 1, 2, 2, 3))
        if n == 0:
            return
        times = sorted(
            self.working_hours(start + dt.timedelta(seconds=rng.uniform(0, span)), start, last)
            for _ in range(n)
        )
        if end is not None:
            times[-1] = self.working_hours(
                max(start, end - dt.timedelta(minutes=rng.randint(40, 120))), start, end
            )
            times.sort()
        who = "、".join(p.name for p in parties)
        online = rng.random() < 0.1
        for i, at in enumerate(times):
            length = dt.timedelta(minutes=rng.randint(40, 150))
            ends = min(at + length, end) if end is not None and i == n - 1 else at + length
            final = end is not None and i == n - 1
            self.add(
                Session,
                mediation_id=mediation.pk,
                region_path=mediation.region_path,
                starts_at=at,
                ends_at=ends if ends <= self.now else None,
                online=online,
                place="线上调解室（视频）" if online else committee.address,
                participants=f"当事人：{who}；调解员：{lead.name}",
                minutes=("经调解，双方就争议事项形成最终意见。" if final else rng.choice(MINUTES)),
                next_step="" if final else rng.choice(NEXT_STEPS),
                created_by_id=mediation.created_by_id,
                created_at=ends if ends <= self.now else at,
            )
            self.counts.sessions += 1

    def working_hours(self, at: dt.datetime, low: dt.datetime, high: dt.datetime) -> dt.datetime:
        """A time between 09:00 and 16:30 on the day of ``at`` or the day before, inside
        [low, high] (``at`` itself when neither fits)."""
        day = self.date_of(at)
        for when in (day, day - dt.timedelta(days=1)):
            earliest = max(low, self.local(when, 9))
            latest = min(high, self.local(when, 16.5))
            if earliest <= latest:
                return earliest + (latest - earliest) * self.rng.random()
        return at

    def after_agreement(
        self,
        agreement: Agreement,
        mediation: Mediation,
        state: str,
        lead: Mediator,
        operator: int,
    ) -> None:
        rng = self.rng
        signed = agreement.signed_on
        if state == c.MediationState.AGREED and rng.random() < 0.18:
            applied = signed + dt.timedelta(days=rng.randint(1, 20))
            if applied <= self.today:
                decided = applied + dt.timedelta(days=rng.randint(7, 20))
                done = decided <= self.today
                result = (
                    (
                        c.ConfirmationResult.CONFIRMED
                        if rng.random() < 0.9
                        else c.ConfirmationResult.REJECTED
                    )
                    if done
                    else c.ConfirmationResult.PENDING
                )
                self.add(
                    Confirmation,
                    agreement_id=agreement.pk,
                    region_path=agreement.region_path,
                    applied_on=applied,
                    court=COURT,
                    result=result,
                    decided_on=decided if done else None,
                    ruling_no=(
                        f"（{decided.year}）吉0283民特{rng.randint(100, 999)}号"
                        if result == c.ConfirmationResult.CONFIRMED
                        else ""
                    ),
                    created_at=self.local(applied, 10),
                )
                self.counts.confirmations += 1
        perform_by = agreement.perform_by
        if perform_by is not None and perform_by < self.today:
            visited = min(self.today, perform_by + dt.timedelta(days=rng.randint(0, 7)))
            r = rng.random()
            honoured = (
                c.Honoured.FULL if r < 0.85 else c.Honoured.PARTIAL if r < 0.95 else c.Honoured.NOT
            )
            note = {
                c.Honoured.FULL: "当事人表示协议已全部履行，双方关系缓和",
                c.Honoured.PARTIAL: "已履行大部分内容，剩余款项约定月底前付清",
                c.Honoured.NOT: "被申请人以经济困难为由未履行，已告知申请人可申请司法确认后强制执行",
            }[honoured]
            self.add(
                FollowUp,
                mediation_id=mediation.pk,
                region_path=mediation.region_path,
                visited_on=visited,
                honoured=honoured,
                note=note,
                by_id=lead.user_id or operator,
                created_at=self.local(visited, 15),
            )
            self.counts.follow_ups += 1

    def number(self, agreements: list[tuple[Agreement, Committee]]) -> None:
        """调字第 N 号 per committee and year, in signing order; the counters end at the last."""
        serial: dict[tuple[int, int], int] = defaultdict(int)
        for agreement, committee in sorted(
            agreements, key=lambda pair: (pair[0].signed_on, pair[0].created_at, pair[0].pk)
        ):
            key = (committee.pk, agreement.year)
            serial[key] += 1
            agreement.serial = serial[key]
            agreement.number = f"{committee.name}（{agreement.year}）调字第 {serial[key]} 号"
        for (committee_id, year), last in sorted(serial.items()):
            self.add(AgreementCounter, committee_id=committee_id, year=year, last=last)
        self.counts.agreements = len(agreements)

    # -- screening -------------------------------------------------------------------------

    def screening(self) -> None:
        rng = self.rng
        county = self.county.path
        ends = self.today - dt.timedelta(days=5)
        starts = ends - dt.timedelta(days=CAMPAIGN_DAYS - 1)
        due = ends + dt.timedelta(days=2)
        campaign = self.add(
            Campaign,
            region_id=self.region_id[county],
            region_path=county,
            title=f"{self.names[county]}{starts:%m}月{starts:%d}日至{ends:%m}月{ends:%d}日"
            "矛盾纠纷集中排查",
            starts_on=starts,
            ends_on=ends,
            due_on=due,
            created_by_id=self.operator[county],
            created_at=self.local(starts - dt.timedelta(days=2), 9),
        )
        left = set(
            OpsAssignment.objects.filter(
                subtree_q(self.scope, "region_path"), is_main=True, worker__state="left"
            ).values_list("region_path", flat=True)
        )
        silent = {g for g in self.grids if g in left or rng.random() < SILENT_SHARE}
        self.counts.silent = len(silent)
        self.report_grids(campaign, starts, ends, due, silent, done=True)
        self.counts.campaigns += 1
        # A township campaign still running: some grids have reported, the rest are 待报.
        if not self.townships:
            return
        township = self.townships[0]
        first = self.today - dt.timedelta(days=2)
        last = self.today + dt.timedelta(days=5)
        running = self.add(
            Campaign,
            region_id=self.region_id[township],
            region_path=township,
            title=f"{self.names[township]}岁末年初矛盾纠纷排查",
            starts_on=first,
            ends_on=last,
            due_on=last,
            created_by_id=self.operator_of(township),
            created_at=self.local(first - dt.timedelta(days=1), 16),
        )
        grids = [g for g in self.grids if g.startswith(township) and rng.random() < 0.4]
        self.report_grids(running, first, self.today, last, set(), done=False, grids=grids)
        self.counts.campaigns += 1

    def report_grids(
        self,
        campaign: Campaign,
        starts: dt.date,
        ends: dt.date,
        due: dt.date,
        silent: set[str],
        *,
        done: bool,
        grids: Sequence[str] | None = None,
    ) -> None:
        rng = self.rng
        found: dict[str, list[Dispute]] = defaultdict(list)
        for dispute, case, _parties in self.dispute_rows:
            if starts <= self.date_of(case.created) <= ends:
                found[case.path[:15]].append(dispute)
        latest = {d.pk: d.created_at for ds in found.values() for d in ds}
        for grid in grids if grids is not None else self.grids:
            if grid in silent or grid not in self.grid_worker:
                continue
            mine = found.get(grid, [])
            if mine:
                at = max(latest[d.pk] for d in mine) + dt.timedelta(hours=rng.uniform(1, 20))
            else:
                day = ends - dt.timedelta(days=rng.randint(0, min(4, (ends - starts).days)))
                at = self.local(day, rng.uniform(8.5, 17.5))
            if done and rng.random() < LATE_SHARE:
                at = self.local(due + dt.timedelta(days=rng.randint(1, 2)), rng.uniform(9, 16))
                self.counts.reports["late"] += 1
            at = min(at, self.now - dt.timedelta(minutes=rng.randint(5, 600)))
            at = max(at, self.local(starts, 8))
            report = self.add(
                ScreeningReport,
                campaign_id=campaign.pk,
                grid_id=self.region_id[grid],
                region_path=grid,
                nil=not mine,
                note=(
                    f"排查发现矛盾纠纷 {len(mine)} 件，已登记并移交调解"
                    if mine
                    else rng.choice(("本网格未发现矛盾纠纷", "入户排查，未发现矛盾纠纷", ""))
                ),
                reported_by_id=self.grid_worker[grid],
                reported_at=at,
            )
            for dispute in mine:
                self.add(
                    ScreeningReport.disputes.through,
                    screeningreport_id=report.pk,
                    dispute_id=dispute.pk,
                )
            self.counts.reports["found" if mine else "nil"] += 1

    # -- legal service ---------------------------------------------------------------------

    def legal_service(self) -> None:
        rng = self.rng
        county = self.county.path
        lawyers = []
        for _ in range(LAWYERS):
            male = rng.random() < 0.6
            licence = (
                f"1{county}{rng.randint(2003, 2021)}1{1 if male else 0}{rng.randint(1, 9999):04d}"
            )
            lawyers.append(
                self.add(
                    Lawyer,
                    region_id=self.region_id[county],
                    region_path=county,
                    name=person_name(rng),
                    firm=rng.choice(FIRMS),
                    licence_no=licence,
                    **_phone(protect_phone(self.mobile())),
                )
            )
        self.counts.lawyers = len(lawyers)
        first = self.today - dt.timedelta(days=CONSULT_WINDOW - 1)
        last = self.today + dt.timedelta(days=7)
        busy: dict[dt.date, set[int]] = defaultdict(set)  # lawyers busy that day (any slot)
        load: Counter[int] = Counter()
        duties: list[tuple[str, dt.date, str, Lawyer]] = []

        def pick(day: dt.date) -> Lawyer:
            free = [w for w in lawyers if w.pk not in busy[day]]
            choice = min(free, key=lambda w: (load[w.pk], rng.random()))
            busy[day].add(choice.pk)
            load[choice.pk] += 1
            return choice

        centres = [county, *self.townships]
        day = first
        while day <= last:
            if day.weekday() < 5:
                duties.append((county, day, c.DutySlot.FULL_DAY, pick(day)))
                for i, township in enumerate(self.townships):
                    if day.weekday() == i % 5:
                        duties.append((township, day, c.DutySlot.MORNING, pick(day)))
                    elif day.weekday() == (i + 2) % 5:
                        duties.append((township, day, c.DutySlot.AFTERNOON, pick(day)))
            day += dt.timedelta(days=1)
        for path, when, slot, lawyer in duties:
            self.add(
                LegalDuty,
                lawyer_id=lawyer.pk,
                region_id=self.region_id[path],
                region_path=path,
                day=when,
                slot=slot,
            )
        self.counts.duties = len(duties)
        self.mediator_rota(first, last)
        self.consultations(duties, centres)

    def mediator_rota(self, first: dt.date, last: dt.date) -> None:
        """The township committees' mediators in their centre's mediation room over the
        lawyers' dates: on working days the first mediator all day every other day, else the
        first in the morning and the second in the afternoon (one duty a mediator a day)."""
        made = 0
        for township in self.townships:
            committee = self.committee.get(township)
            people = self.mediators.get(committee.pk, []) if committee is not None else []
            if not people:
                continue
            day = first
            while day <= last:
                if day.weekday() < 5:
                    if day.toordinal() % 2 == 0 or len(people) < 2:
                        plan = [(people[0], c.DutySlot.FULL_DAY)]
                    else:
                        plan = [(people[0], c.DutySlot.MORNING), (people[1], c.DutySlot.AFTERNOON)]
                    for mediator, slot in plan:
                        self.add(
                            MediatorDuty,
                            mediator_id=mediator.pk,
                            region_id=self.region_id[township],
                            region_path=township,
                            day=day,
                            slot=slot,
                        )
                        made += 1
                day += dt.timedelta(days=1)
        self.counts.mediator_duties = made

    def consultations(
        self, duties: list[tuple[str, dt.date, str, Lawyer]], centres: list[str]
    ) -> None:
        rng = self.rng
        hours: dict[str, tuple[float, float]] = {
            c.DutySlot.MORNING: (8.5, 11.8),
            c.DutySlot.AFTERNOON: (13.5, 16.8),
            c.DutySlot.FULL_DAY: (8.5, 16.8),
        }
        for path, day, slot, lawyer in duties:
            low, high = hours[slot]
            n = (
                rng.choice((1, 2, 3, 3, 4))
                if slot == c.DutySlot.FULL_DAY
                else rng.choice((0, 0, 1, 1, 2))
            )
            for _ in range(n):
                at = self.local(day, rng.uniform(low, high))
                if at >= self.now:
                    continue
                self.consultation(path, at, lawyer)
        # Online and phone questions out of hours wait for a lawyer (answered by the centre's
        # operator when older).
        for _ in range(25):
            at = self.now - dt.timedelta(hours=rng.uniform(1, 24 * CONSULT_WINDOW))
            local = timezone.localtime(at, self.tz)
            if local.weekday() < 5 and 8 <= local.hour < 17:
                at -= dt.timedelta(hours=local.hour + 2)  # the evening before
            self.consultation(
                rng.choice(centres), at, None, channel=rng.choice(list(c.ConsultChannel.values)[1:])
            )
        self.referrals(duties)

    def consultation(
        self,
        path: str,
        at: dt.datetime,
        lawyer: Lawyer | None,
        *,
        channel: str | None = None,
        topic: str | None = None,
        who: _Person | None = None,
        answered: dt.datetime | None = None,
        referral: str | None = None,
        dispute: Dispute | None = None,
    ) -> None:
        rng = self.rng
        topic = topic or _weighted(rng, TOPIC_WEIGHTS)
        question, answer = rng.choice(QUESTIONS[topic])
        if who is None:
            grids = [g for g in self.grids if g.startswith(path)] or self.grids
            who = self.someone(rng.choice(grids), set(), register_share=0.4)
        if answered is None:
            answered = at + dt.timedelta(minutes=rng.randint(8, 45))
            recent = self.now - at < dt.timedelta(days=3)
            if (lawyer is None and recent) or answered > self.now or rng.random() < 0.04:
                answered = None
        if referral is None and answered is not None:
            referral = _weighted(
                rng,
                (
                    (c.Referral.NONE, 80),
                    (c.Referral.LITIGATION, 9),
                    (c.Referral.ARBITRATION, 4 if topic == c.LegalTopic.LABOUR else 0),
                    (c.Referral.LEGAL_AID, 6),
                ),
            )
        self.add(
            Consultation,
            region_id=self.region_id[path],
            region_path=path,
            channel=channel
            or _weighted(
                rng,
                (
                    (c.ConsultChannel.WALK_IN, 70),
                    (c.ConsultChannel.PHONE, 20),
                    (c.ConsultChannel.ONLINE, 10),
                ),
            ),
            requester_name=who.name,
            person_id=who.person_id,
            topic=topic,
            question=question,
            lawyer_id=lawyer.pk if lawyer else None,
            answer=answer if answered else "",
            answered_at=answered,
            referral=referral or "",
            dispute_id=dispute.pk if dispute else None,
            created_by_id=self.operator_of(path),
            created_at=at,
            **_phone(who.phone if not who.person_id else Protected("", "", "")),
        )
        if answered is None:
            self.counts.consultations["waiting"] += 1
        elif referral == c.Referral.MEDIATION:
            self.counts.consultations["mediation"] += 1
        else:
            self.counts.consultations["answered"] += 1

    def referrals(self, duties: list[tuple[str, dt.date, str, Lawyer]]) -> None:
        """A few walk-in disputes of the month began as a question to the lawyer on duty: the
        consultation referred to mediation and linked to them."""
        rng = self.rng
        since = self.now - dt.timedelta(days=CONSULT_WINDOW)
        rota = {(path, day, slot): lawyer for path, day, slot, lawyer in duties}
        walk_ins = [
            (dispute, case, parties)
            for dispute, case, parties in self.dispute_rows
            if case.channel == "walk_in" and case.created >= since and parties[0].name
        ]
        for dispute, case, parties in rng.sample(walk_ins, min(6, len(walk_ins))):
            path = case.path[:9] if case.path[:9] in self.region_id else self.county.path
            at = case.created - dt.timedelta(minutes=rng.randint(20, 50))
            local = timezone.localtime(at, self.tz)
            half = c.DutySlot.MORNING if local.hour < 12 else c.DutySlot.AFTERNOON
            lawyer = rota.get((path, local.date(), half)) or rota.get(
                (path, local.date(), c.DutySlot.FULL_DAY)
            )
            self.consultation(
                path,
                at,
                lawyer,
                channel=c.ConsultChannel.WALK_IN,
                topic=TOPIC_OF_KIND.get(dispute.kind, c.LegalTopic.OTHER),
                who=parties[0],
                answered=case.created,
                referral=c.Referral.MEDIATION,
                dispute=dispute,
            )

    # -- petitions -------------------------------------------------------------------------

    def petitions(self, cases: list[_Case]) -> None:
        rng = self.rng
        counts = self.counts
        made: list[tuple[Petition, _Case, list[Petitioner]]] = []
        indices = range(len(cases))
        groups = set(rng.sample(indices, min(len(cases), max(1, round(len(cases) * 0.05)))))
        skipping = set(rng.sample(indices, min(len(cases), max(1, round(len(cases) * 0.04)))))
        for index, case in enumerate(cases):
            form = {
                "hotline": c.PetitionForm.HOTLINE,
                "app": c.PetitionForm.ONLINE,
                "open311": c.PetitionForm.ONLINE,
                "walk_in": c.PetitionForm.VISIT,
            }.get(case.channel) or _weighted(
                rng,
                (
                    (c.PetitionForm.LETTER, 35),
                    (c.PetitionForm.VISIT, 45),
                    (c.PetitionForm.ONLINE, 20),
                ),
            )
            created = self.date_of(case.created)
            received = created
            if form == c.PetitionForm.LETTER:
                late = rng.random() < 0.06
                received = created - dt.timedelta(
                    days=rng.randint(16, 22) if late else rng.randint(0, 2)
                )
            group = index in groups
            skips = index in skipping
            acknowledged = self.date_of(case.rejected or case.accepted or case.created)
            if case.status == "submitted":
                state, acknowledged_on = c.PetitionState.RECEIVED, None
            elif case.status == "rejected":
                state, acknowledged_on = c.PetitionState.NOT_ACCEPTED, acknowledged
            elif case.status in DONE:
                state, acknowledged_on = c.PetitionState.REPLIED, acknowledged
            else:
                state, acknowledged_on = c.PetitionState.ACCEPTED, acknowledged
            reply_by = (
                acknowledged_on + dt.timedelta(days=REPLY_DAYS)
                if acknowledged_on and state != c.PetitionState.NOT_ACCEPTED
                else None
            )
            extension = ""
            if (
                state == c.PetitionState.ACCEPTED
                and reply_by is not None
                and (self.today - acknowledged).days > 25
                and rng.random() < 0.35
            ):
                state = c.PetitionState.EXTENDED
                extension = rng.choice(EXTENSION_REASONS)
                reply_by += dt.timedelta(days=EXTENSION_DAYS)
                counts.extended += 1
            replied = (
                self.date_of(case.handled or case.created)
                if state == c.PetitionState.REPLIED
                else None
            )
            if replied is not None and acknowledged_on is not None and replied < acknowledged_on:
                replied = acknowledged_on
            satisfaction = ""
            if state == c.PetitionState.REPLIED and case.rating:
                satisfaction = {
                    "satisfied": c.Satisfaction.SATISFIED,
                    "basically_satisfied": c.Satisfaction.BASIC,
                    "unsatisfied": c.Satisfaction.UNSATISFIED,
                }.get(case.rating, "")
            township = case.path[:9]
            creator = self.operator[self.county.path] if skips else self.operator_of(township)
            listed = rng.randint(3, 5) if group else 1
            petition = self.add(
                Petition,
                case_id=case.id,
                region_path=case.path,
                form=form,
                people_count=rng.randint(6, 40) if group else listed,
                skips_level=skips,
                state=state,
                received_on=received,
                acknowledge_by=received + dt.timedelta(days=ACKNOWLEDGE_DAYS),
                acknowledged_on=acknowledged_on,
                reply_by=reply_by,
                extension_reason=extension,
                replied_on=replied,
                reply_text=(
                    NOT_ACCEPTED
                    if state == c.PetitionState.NOT_ACCEPTED
                    else f"您反映的“{case.title}”问题，{PETITION_REPLIES[0]}"
                    if replied
                    else ""
                ),
                satisfaction=satisfaction,
                created_by_id=creator,
                created_at=case.created,
            )
            taken: set[int] = set()
            people = []
            for _ in range(listed):
                who = self.someone(case.path, taken, register_share=0.6)
                people.append(self.petitioner(petition, who))
            made.append((petition, case, people))
            counts.petitions += 1
            counts.group += group
            counts.skips += skips
            if acknowledged_on is not None and acknowledged_on > petition.acknowledge_by:
                counts.late_acknowledged += 1
        self.repeats(made)
        self.reviews([p for p, _case, _people in made])

    def petitioner(self, petition: Petition, who: _Person) -> Petitioner:
        """As ``services._petitioner`` stores it (a register person: masked values and hashes)."""
        return self.add(
            Petitioner,
            petition_id=petition.pk,
            region_path=petition.region_path,
            person_id=who.person_id,
            name=who.name,
            id_cipher="" if who.person_id else who.id_cipher,
            id_masked=who.id_masked,
            id_hash=who.id_hash,
            phone_cipher="" if who.person_id else who.phone.cipher,
            phone_masked=who.phone.masked,
            phone_hash=who.phone.hash,
            address="" if who.person_id else who.address,
        )

    def repeats(self, made: list[tuple[Petition, _Case, list[Petitioner]]]) -> None:
        """Some petitioners come back on the same matter: the later petition's first
        petitioner is the earlier one's, linked as a repeat (what ``link_repeat`` accepts)."""
        rng = self.rng
        wanted = max(2, len(made) // 18)
        used: set[int] = set()
        for later, case, people in sorted(made, key=lambda m: -m[0].received_on.toordinal()):
            if self.counts.repeats >= wanted:
                break
            if later.pk in used or rng.random() < 0.5:
                continue
            earlier = [
                (p, pc, pp)
                for p, pc, pp in made
                if pc.item == case.item
                and p.pk not in used
                and p.pk != later.pk
                and 7 <= (later.received_on - p.received_on).days <= 365
            ]
            if not earlier:
                continue
            earlier.sort(
                key=lambda m: (m[1].path[:12] != case.path[:12], -m[0].received_on.toordinal())
            )
            first, _pc, first_people = earlier[0]
            source = first_people[0]
            target = people[0]
            for name in (
                "person_id",
                "name",
                "id_cipher",
                "id_masked",
                "id_hash",
                "phone_cipher",
                "phone_masked",
                "phone_hash",
                "address",
            ):
                setattr(target, name, getattr(source, name))
            later.repeat_of_id = first.pk
            used.update((later.pk, first.pk))
            self.counts.repeats += 1

    def reviews(self, petitions: list[Petition]) -> None:
        """A couple of unsatisfied petitioners ask for a review (复查) within 30 days of the
        reply; the first has been answered."""
        rng = self.rng
        replied = [
            p
            for p in petitions
            if p.state == c.PetitionState.REPLIED
            and p.replied_on is not None
            and (self.today - p.replied_on).days >= 5
            and p.satisfaction in ("", c.Satisfaction.UNSATISFIED)
        ]
        replied.sort(key=lambda p: (p.satisfaction != c.Satisfaction.UNSATISFIED, p.pk))
        for i, petition in enumerate(replied[:3]):
            assert petition.replied_on is not None
            asked = petition.replied_on + dt.timedelta(
                days=rng.randint(2, min(25, (self.today - petition.replied_on).days))
            )
            petition.review_requested_on = asked
            petition.review_by = asked + dt.timedelta(days=REVIEW_DAYS)
            petition.state = c.PetitionState.REVIEW
            answered = asked + dt.timedelta(days=rng.randint(5, 20))
            if i == 0 and answered <= self.today:
                petition.state = c.PetitionState.REVIEWED
                petition.reviewed_on = answered
                petition.review_text = REVIEW_TEXT
            self.counts.reviews += 1

    # -- write -----------------------------------------------------------------------------

    def write(self) -> None:
        for model in MODELS:
            _insert(model, self.rows.get(model, []), self.now)
        statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def _outcome(result: str, r: float) -> str:
    """How a finished mediation ended, as the case's handling text tells: the disputes
    settled by legal aid and enforcement went to court, those settled by an authority's
    decision were not mediated to an agreement; the rest agreed (a few only in part)."""
    if "法律援助" in result:
        return c.MediationState.COURT
    if any(word in result for word in NOT_MEDIATED):
        return c.MediationState.FAILED
    return c.MediationState.PARTIAL if r < 0.05 else c.MediationState.AGREED


def _phone(protected: Protected) -> dict[str, str]:
    return {
        "phone_cipher": protected.cipher,
        "phone_masked": protected.masked,
        "phone_hash": protected.hash,
    }


def _weighted(rng: random.Random, pairs: Iterable[tuple[Any, int]]) -> Any:
    options = [(value, weight) for value, weight in pairs if weight > 0]
    x = rng.random() * sum(w for _, w in options)
    for value, weight in options:
        x -= weight
        if x < 0:
            return value
    return options[-1][0]


def _insert(model: type[models.Model], rows: Sequence[models.Model], now: dt.datetime) -> None:
    """INSERT the instances as ``bulk_create`` would, but keeping the creation times they
    carry (``auto_now_add`` only fills the empty ones) and their given keys."""
    if not rows:
        return
    ops = connection.ops
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    auto = {f.attname for f in fields if getattr(f, "auto_now_add", False)}
    params = []
    for row in rows:
        for name in auto:
            if getattr(row, name) is None:
                setattr(row, name, now)
        params.append(
            tuple(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields)
        )
    with connection.cursor() as cursor:
        for i in range(0, len(params), 2000):
            cursor.executemany(sql, params[i : i + 2000])
