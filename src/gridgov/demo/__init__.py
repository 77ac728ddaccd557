"""The demo county: 舒兰市 with its real divisions, plausible grids, staff and departments.

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from gridgov.accounts.models import Department, Post, User
from gridgov.accounts.roles import Role
from gridgov.cases.catalogue import load_default_catalogue
from gridgov.cases.models import Case, Item
from gridgov.demo.cases import generate_year_of_cases
from gridgov.demo.departments import DEPARTMENTS
from gridgov.demo.mediation import generate_mediation
from gridgov.demo.names import name_maker, person_name
from gridgov.demo.ops import generate_ops
from gridgov.demo.party import generate_party
from gridgov.demo.registry import generate_registry
from gridgov.mediation.models import Agreement, Committee, Consultation, Dispute, Petition
from gridgov.ops.models import Patrol, Worker
from gridgov.party.models import PartyMember, PartyOrganisation, ServiceRegistration
from gridgov.regions.choices import Kind, Level
from gridgov.regions.gridbuilder import build_grids
from gridgov.regions.models import Region, subtree_q
from gridgov.regions.services import import_divisions
from gridgov.registry.models import CareContract, Organisation, Person, Room, Visit
from gridgov.registry.tag_data import load_default_tags

COUNTY = "220283"  # 舒兰市, 吉林省吉林市
URBAN_GRIDS = 167
RURAL_GRIDS = 1316
GRID_WORKERS = 1860
CASES = 13_700  # 舒兰: 13,639 appeals accepted in the article's year


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    where: str

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass
class DemoResult:
    county: Region
    password: str
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        c = self.counts
        text = (
            f"{self.county.name} {c['township']} 个乡镇（街道）、{c['village']} 个村（社区）、"
            f"{c['grid']} 个网格（城市 {c['urban']}、农村 {c['rural']}）、"
            f"{c['grid_workers']} 名网格员、{c['departments']} 个部门、{c['items']} 项事项、"
            f"{c['cases']} 件案件"
        )
        if c.get("people"):
            text += (
                f"；实有人口 {c['people']} 人、房屋 {c['rooms']} 间（出租 {c['rented']} 间）、"
                f"法人单位 {c['organisations']} 个、关爱合约 {c['contracts']} 份、"
                f"走访 {c['visits']} 次"
            )
        if c.get("party_organisations"):
            text += (
                f"；党组织 {c['party_organisations']} 个、党员 {c['party_members']} 名、"
                f"下沉网格在职党员 {c['party_sunk']} 名"
            )
        if c.get("ops_workers"):
            text += f"；网格力量 {c['ops_workers']} 名、近一个月巡查 {c['ops_patrols']} 次"
        if c.get("committees"):
            text += (
                f"；调解委员会 {c['committees']} 个、矛盾纠纷 {c['disputes']} 件（达成调解协议 "
                f"{c['agreements']} 份）、法律咨询 {c['consultations']} 件、信访 {c['petitions']} 件"
            )
        return text


def load_demo(
    *, log: Callable[[str], object] = print, cases: int = CASES, registry: bool = True
) -> DemoResult:
    """Load the demo county; ``cases`` is how many cases of the past year to generate (0 for
    none; nothing is generated when the county already has cases); ``registry`` adds the
    registers (people, rooms, organisations, tags, care contracts, a year of visits; nothing
    when the county already has people), then the party building and the field work of the
    grid workers (网格力量: roster, training, a month of check-ins and patrols)."""
    password: str = settings.GRIDGOV_DEFAULT_PASSWORD_DEMO
    with transaction.atomic():
        log("导入区划：舒兰市（统计用区划 2023）…")
        report = import_divisions(code=COUNTY)
        county = report.root
        if not Region.objects.subtree(county.path).filter(level=Level.GRID).exists():
            log("划分网格：城市社区网格 167 个、农村网格 1316 个…")
            build_grids(county_path=county.path, urban_grids=URBAN_GRIDS, rural_grids=RURAL_GRIDS)
        departments = _departments(county)
        accounts = _staff(county, departments, password)
        catalogue = load_default_catalogue(county=county)
        load_default_tags()
        log(f"事项清单：{catalogue.summary()}")
    if cases:
        log(f"生成一年的案件（约 {cases} 件，按办理流程逐步模拟）…")
        made = generate_year_of_cases(county=county, count=cases, log=log)
        if made:
            log(f"  已生成 {made} 件")
    if registry:
        generate_registry(county=county, log=log)
        generate_party(county=county, log=log)
        generate_ops(county=county, log=log)
        generate_mediation(county=county, log=log)
    grids = Region.objects.subtree(county.path).filter(level=Level.GRID)
    village_kinds = dict(
        Region.objects.subtree(county.path).filter(level=Level.VILLAGE).values_list("path", "kind")
    )
    grid_paths = list(grids.values_list("path", flat=True))
    counts = {
        "township": Region.objects.subtree(county.path).filter(level=Level.TOWNSHIP).count(),
        "village": len(village_kinds),
        "grid": len(grid_paths),
        "urban": sum(1 for p in grid_paths if village_kinds[p[:12]] == Kind.COMMUNITY),
        "rural": sum(1 for p in grid_paths if village_kinds[p[:12]] != Kind.COMMUNITY),
        "grid_workers": Post.objects.current()
        .filter(role=Role.GRID_WORKER, region__path__startswith=county.path)
        .count(),
        "departments": Department.objects.filter(region=county).count(),
        "items": Item.objects.count(),
        "cases": Case.objects.filter(region_path__startswith=county.path).count(),
    }
    in_county = subtree_q(county.path, "region_path")
    counts["people"] = Person.objects.filter(in_county).count()
    if counts["people"]:
        rooms = Room.objects.filter(in_county)
        counts.update(
            rooms=rooms.count(),
            rented=rooms.filter(occupancy="rented").count(),
            organisations=Organisation.objects.filter(in_county).count(),
            contracts=CareContract.objects.filter(in_county).count(),
            visits=Visit.objects.filter(in_county).count(),
            party_organisations=PartyOrganisation.objects.filter(in_county).count(),
            party_members=PartyMember.objects.filter(in_county, state="active").count(),
            party_sunk=ServiceRegistration.objects.filter(
                in_county, kind="member", state="assigned"
            ).count(),
            ops_workers=Worker.objects.filter(in_county, state="active").count(),
            ops_patrols=Patrol.objects.filter(in_county).count(),
            committees=Committee.objects.filter(in_county).count(),
            disputes=Dispute.objects.filter(in_county).count(),
            agreements=Agreement.objects.filter(in_county).count(),
            consultations=Consultation.objects.filter(in_county).count(),
            petitions=Petition.objects.filter(in_county).count(),
        )
    return DemoResult(county=county, password=password, accounts=accounts, counts=counts)


def _departments(county: Region) -> dict[str, Department]:
    existing = {d.code: d for d in Department.objects.filter(region=county)}
    new = [
        Department(
            code=f"{county.path}-{suffix}",
            name=name,
            short_name=short,
            kind=kind,
            region=county,
            duty=duty,
        )
        for suffix, name, short, kind, duty in DEPARTMENTS
        if f"{county.path}-{suffix}" not in existing
    ]
    Department.objects.bulk_create(new)
    return {d.short_name: d for d in Department.objects.filter(region=county)}


def _staff(county: Region, departments: dict[str, Department], password: str) -> list[DemoAccount]:
    """One login per role (password printed) and the county's whole staff (no login)."""
    if User.objects.filter(username="county_op").exists():
        return _demo_accounts()
    rng = name_maker(f"staff:{county.code}")
    townships = list(Region.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("path"))
    villages = list(Region.objects.subtree(county.path).filter(level=Level.VILLAGE))
    grids = list(Region.objects.subtree(county.path).filter(level=Level.GRID))
    street = townships[0]
    community = next(v for v in villages if v.parent_id == street.pk and v.kind == Kind.COMMUNITY)
    first_grid = min((g for g in grids if g.parent_id == community.pk), key=lambda g: g.path)
    usable = make_password(password)

    users: list[User] = []
    posts: list[tuple[int, str, Region | None, Department | None, str]] = []

    def add(
        username: str,
        role: str,
        region: Region | None,
        department: Department | None,
        title: str,
        *,
        login: bool = False,
        superuser: bool = False,
    ) -> None:
        user = User(
            username=username,
            full_name=person_name(rng),
            password=usable if login else make_password(None),
            is_staff=superuser,
            is_superuser=superuser,
        )
        users.append(user)
        posts.append((len(users) - 1, role, region, department, title))

    # The printed demo logins, one per role.
    add("admin", Role.SYSTEM_ADMIN, county, None, "系统管理员", login=True, superuser=True)
    add("county_op", Role.COUNTY_OPERATOR, county, None, "市综治中心值班员", login=True)
    add(
        "township_op",
        Role.TOWNSHIP_OPERATOR,
        street,
        None,
        f"{street.name}综治中心值班员",
        login=True,
    )
    add(
        "village_op",
        Role.VILLAGE_OPERATOR,
        community,
        None,
        f"{community.name}工作站专干",
        login=True,
    )
    add(
        "grid_chief",
        Role.GRID_CHIEF,
        community,
        None,
        f"{community.name}党组织书记、网格长",
        login=True,
    )
    add("grid_worker", Role.GRID_WORKER, first_grid, None, "专职网格员", login=True)
    add(
        "dept_handler", Role.DEPARTMENT_HANDLER, None, departments["城管局"], "执法队员", login=True
    )
    add("supervisor", Role.SUPERVISOR, county, departments["市纪委监委"], "督查室主任", login=True)
    add("leader", Role.LEADER, county, None, "市委副书记、政法委书记", login=True)

    # The rest of the staff, without a password until an administrator sets one.
    for township in townships:
        if township != street:
            add(f"op{township.path}", Role.TOWNSHIP_OPERATOR, township, None, "综治中心值班员")
        add(f"ld{township.path}", Role.LEADER, township, None, "党（工）委书记")
    for village in villages:
        if village != community:
            add(f"op{village.path}", Role.VILLAGE_OPERATOR, village, None, "工作站专干")
            add(f"gc{village.path}", Role.GRID_CHIEF, village, None, "党组织书记、网格长")
    for short, department in departments.items():
        if short != "城管局":
            add(f"dh{department.code}", Role.DEPARTMENT_HANDLER, None, department, "承办人")
    # Grid workers: one per grid, a second one in the busiest grids, 1,860 in all.
    by_load = sorted(grids, key=lambda g: (-g.households, g.path))
    seconds = {g.pk for g in by_load[: GRID_WORKERS - len(grids)]}
    for grid in sorted(grids, key=lambda g: g.path):
        if grid != first_grid:
            add(f"gw{grid.path}", Role.GRID_WORKER, grid, None, "专职网格员")
        if grid.pk in seconds:
            add(f"gw{grid.path}b", Role.GRID_WORKER, grid, None, "兼职网格员")

    User.objects.bulk_create(users, batch_size=500)
    saved = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
    )
    Post.objects.bulk_create(
        [
            Post(
                user_id=saved[users[index].username],
                role=role,
                region=region,
                department=department,
                title=title,
            )
            for index, role, region, department, title in posts
        ],
        batch_size=1000,
    )
    return _demo_accounts()


DEMO_USERNAMES = (
    "admin",
    "county_op",
    "township_op",
    "village_op",
    "grid_chief",
    "grid_worker",
    "dept_handler",
    "supervisor",
    "leader",
)


def _demo_accounts() -> list[DemoAccount]:
    posts = {
        post.user.username: post
        for post in Post.objects.filter(user__username__in=DEMO_USERNAMES).select_related(
            "user", "region", "department"
        )
    }
    accounts = []
    for username in DEMO_USERNAMES:
        post = posts[username]
        where = " ".join(
            part
            for part in (
                post.region.name if post.region else "",
                post.department.name if post.department else "",
            )
            if part
        )
        accounts.append(DemoAccount(username, post.user.full_name, post.role, where))
    return accounts
