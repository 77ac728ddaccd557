"""Writes of field work (see docs/ops.md and the "services" section there).

Every service is keyword-only and atomic. It checks what the actor may see (404 outside the
jurisdiction) and do (403, ``ops.access``), validates the values with field-level Chinese
messages, raises ``OpsConflict`` for a wrong state or a stale version, and only then writes,
so nothing is written on an error. Two exceptions by design: a check-in refused for its
position is stored (an anomaly) and returned, and ``close_stale_patrols`` is the sweep's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import Post, User
from gridgov.accounts.roles import Role
from gridgov.core import audit
from gridgov.core.jurisdiction import forget_scope, restrict
from gridgov.ops import access, geometry
from gridgov.ops import choices as c
from gridgov.ops.errors import OpsConflict
from gridgov.ops.models import (
    Assignment,
    CheckIn,
    Course,
    DutyShift,
    Leave,
    Patrol,
    PatrolPlan,
    PatrolPoint,
    TrainingAttendance,
    TrainingSession,
    Worker,
)
from gridgov.party import access as party_access
from gridgov.regions.models import Region
from gridgov.registry.models import Person
from gridgov.registry.values import Errors, phone_fields

if TYPE_CHECKING:
    from gridgov.ops.ingest import IngestResult, PointIn

M = TypeVar("M", bound=models.Model)

WORKER_LEVELS = frozenset({"county", "township", "village"})
COURSE_LEVELS = frozenset({"county", "township", "village"})
AGE_MIN, AGE_MAX = 18, 65
LEAVE_MAX_DAYS = 90
MAX_POINTS = 500
NOTE_MAX = 500
FUTURE_SKEW = dt.timedelta(minutes=5)
PAST_LIMIT = dt.timedelta(hours=48)
STOP_SKEW = dt.timedelta(seconds=60)
WORKER_FIELDS = (
    "region",
    "name",
    "gender",
    "kind",
    "hired_on",
    "birth_date",
    "phone",
    "education",
    "political_status",
    "background_checked",
    "user",
    "person",
    "note",
)


# -- shared ----------------------------------------------------------------------------------


def _not_found() -> Http404:
    return Http404(_("记录不存在或不在您的辖区内"))


def _forbidden(message: str | None = None) -> PermissionDenied:
    return PermissionDenied(message or _("您只能查看，不能办理此项"))


def _today() -> dt.date:
    return timezone.localdate()


def _visible(model: type[models.Model], pk: Any, actor: Any) -> bool:
    return restrict(model._default_manager.filter(pk=pk), actor, "view").exists()


def _see_region(actor: Any, region: Region) -> None:
    if not _visible(Region, region.pk, actor):
        raise _not_found()


def _manage(actor: Any, path: str) -> None:
    if not access.may_manage(actor, path):
        raise _forbidden()


def _lock(model: type[M], obj: M) -> M:
    """The row again, locked for the change (404 when it has gone)."""
    fresh = model._default_manager.select_for_update().filter(pk=obj.pk).first()
    if fresh is None:
        raise _not_found()
    return fresh


def _see_worker(actor: Any, worker: Worker) -> None:
    if not (access.is_self(actor, worker) or _visible(Worker, worker.pk, actor)):
        raise _not_found()


def _log(actor: Any, action: str, obj: models.Model, **changes: Any) -> None:
    audit.record(
        actor=actor,
        action=f"ops.{action}",
        obj=obj,
        changes={key: _plain(value) for key, value in changes.items()},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _text(errors: Errors, field: str, value: Any, limit: int, *, label: str = "") -> str:
    raw = "" if value is None else str(value).strip()
    if label and not raw:
        errors.add(field, _("请填写%(label)s") % {"label": label})
    elif len(raw) > limit:
        errors.add(field, _("不能超过 %(n)s 个字") % {"n": limit})
    return raw


def _choice(
    errors: Errors, field: str, value: Any, options: type[models.TextChoices], *, blank: bool
) -> str:
    raw = "" if value is None else str(value)
    if raw == "" and blank:
        return ""
    if raw not in options.values:
        errors.add(field, _("请选择有效的选项"))
    return raw


def _date(errors: Errors, field: str, value: Any, label: str) -> dt.date | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.add(field, _("请填写%(label)s") % {"label": label})
        return None
    return value


def _aware(errors: Errors, field: str, value: Any, label: str) -> dt.datetime | None:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        errors.add(field, _("%(label)s无效") % {"label": label})
        return None
    return value


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _number(errors: Errors, field: str, value: Any, label: str) -> float | None:
    if isinstance(value, bool):
        errors.add(field, _("%(label)s无效") % {"label": label})
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add(field, _("%(label)s无效") % {"label": label})
        return None
    if not math.isfinite(number):
        errors.add(field, _("%(label)s无效") % {"label": label})
        return None
    return number


def _int(errors: Errors, field: str, value: Any, low: int, high: int, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.add(
            field,
            _("%(label)s应为 %(low)s–%(high)s 的整数") % {"label": label, "low": low, "high": high},
        )
        return low
    return value


# -- roster ----------------------------------------------------------------------------------


def _clean_worker(
    errors: Errors, values: Mapping[str, Any], *, current: Worker | None = None
) -> dict[str, Any]:
    """The roster fields of ``values`` checked together (``current`` when updating)."""
    out: dict[str, Any] = {}
    region = values.get("region")
    if not isinstance(region, Region):
        errors.add("region", _("请选择管理单位"))
    elif region.level not in WORKER_LEVELS:
        errors.add("region", _("管理单位应为县（市）、乡镇（街道）或村（社区），不能是网格或楼栋"))
    elif not region.is_active:
        errors.add("region", _("区划“%(name)s”已停用") % {"name": region.name})
    else:
        out["region"] = region
    out["name"] = _text(errors, "name", values.get("name"), 50, label=_("姓名"))
    out["gender"] = _choice(errors, "gender", values.get("gender"), c.Gender, blank=False)
    out["kind"] = _choice(errors, "kind", values.get("kind"), c.WorkerKind, blank=False)
    out["education"] = _choice(
        errors, "education", values.get("education", ""), c.Education, blank=True
    )
    out["political_status"] = _choice(
        errors,
        "political_status",
        values.get("political_status", ""),
        c.PoliticalStatus,
        blank=True,
    )
    out["background_checked"] = bool(values.get("background_checked", False))
    out["note"] = _text(errors, "note", values.get("note", ""), 200)
    hired_on = _date(errors, "hired_on", values.get("hired_on"), _("入职日期"))
    if hired_on is not None and hired_on > _today():
        errors.add("hired_on", _("入职日期不能晚于今天"))
    out["hired_on"] = hired_on
    birth = values.get("birth_date")
    if birth is not None:
        birth = _date(errors, "birth_date", birth, _("出生日期"))
        if birth is not None and hired_on is not None:
            age = _age_on(birth, hired_on)
            if not AGE_MIN <= age <= AGE_MAX:
                errors.add(
                    "birth_date",
                    _("入职时年龄应在 %(low)s–%(high)s 周岁之间（现为 %(age)s 岁）")
                    % {"low": AGE_MIN, "high": AGE_MAX, "age": age},
                )
    out["birth_date"] = birth
    user = values.get("user")
    if user is not None:
        if not isinstance(user, User):
            errors.add("user", _("工作账号无效"))
        else:
            taken = Worker.objects.filter(user=user, state=c.WorkerState.ACTIVE)
            if current is not None:
                taken = taken.exclude(pk=current.pk)
            if taken.exists():
                errors.add("user", _("该账号已关联在岗的网格力量"))
    out["user"] = user
    person = values.get("person")
    if person is not None and not isinstance(person, Person):
        errors.add("person", _("实有人口记录无效"))
    out["person"] = person
    return out


def _check_linkable(errors: Errors, actor: Any, user: Any) -> None:
    """A manager links only an account that is theirs to give: active, not an administrator,
    and every current post of it inside the subtrees the manager manages (a new account
    without posts is fine; assigning the worker gives it the grid-worker post)."""
    if not isinstance(user, User):
        return
    if not user.is_active or user.is_superuser:
        errors.add("user", _("该账号已停用或为管理员账号，不能关联"))
        return
    outside = [
        post
        for post in user.posts.current().select_related("region")
        if post.region is None or not access.may_manage(actor, post.region.path)
    ]
    if outside:
        errors.add("user", _("该账号的岗位不在您的管理范围内，不能关联"))


def _release_user(user: User | None, keep: Worker | None = None) -> None:
    """A user links to one roster entry (one-to-one): a former (left) entry lets it go."""
    if user is None:
        return
    old = Worker.objects.filter(user=user).exclude(state=c.WorkerState.ACTIVE)
    if keep is not None:
        old = old.exclude(pk=keep.pk)
    old.update(user=None)


@transaction.atomic
def create_worker(
    *,
    actor: User,
    region: Region,
    name: str,
    gender: str,
    kind: str,
    hired_on: dt.date,
    birth_date: dt.date | None = None,
    phone: str = "",
    education: str = "",
    political_status: str = "",
    background_checked: bool = False,
    user: User | None = None,
    person: Person | None = None,
    note: str = "",
) -> Worker:
    """Put a person on the roster, managed by a county, township or village."""
    if isinstance(region, Region):
        _see_region(actor, region)
        _manage(actor, region.path)
    errors = Errors()
    values = _clean_worker(
        errors,
        {
            "region": region,
            "name": name,
            "gender": gender,
            "kind": kind,
            "hired_on": hired_on,
            "birth_date": birth_date,
            "education": education,
            "political_status": political_status,
            "background_checked": background_checked,
            "user": user,
            "person": person,
            "note": note,
        },
    )
    _check_linkable(errors, actor, values["user"])
    protected = phone_fields(errors, phone)
    errors.raise_if_any()
    _release_user(values["user"])
    worker = Worker.objects.create(region_path=values["region"].path, **values, **protected)
    _log(actor, "create_worker", worker, name=worker.name, region=worker.region_path)
    return worker


@transaction.atomic
def update_worker(*, actor: User, worker: Worker, version: int, **changes: Any) -> Worker:
    """Change roster fields (those of ``create_worker``); ``version`` is the one the form read."""
    _see_worker(actor, worker)
    worker = _lock(Worker, worker)
    _manage(actor, worker.region_path)
    unknown = sorted(set(changes) - set(WORKER_FIELDS))
    if unknown:
        raise ValidationError({name: _("不能修改此项") for name in unknown})
    if version != worker.version:
        raise OpsConflict(_("记录已被他人修改，请刷新后再试"))
    new_region = changes.get("region")
    if isinstance(new_region, Region) and new_region.pk != worker.region_id:
        _see_region(actor, new_region)
        _manage(actor, new_region.path)
    merged = {name: getattr(worker, name) for name in WORKER_FIELDS if name != "phone"}
    merged.update({k: v for k, v in changes.items() if k != "phone"})
    errors = Errors()
    values = _clean_worker(errors, merged, current=worker)
    if values["user"] is not None and values["user"] != worker.user:
        _check_linkable(errors, actor, values["user"])
    protected = phone_fields(errors, changes["phone"]) if "phone" in changes else {}
    errors.raise_if_any()
    changed = {
        name: value
        for name, value in {**values, **protected}.items()
        if getattr(worker, name) != value
    }
    if "user" in changed:
        _release_user(values["user"], keep=worker)
    for name, value in changed.items():
        setattr(worker, name, value)
    worker.region_path = worker.region.path
    worker.version += 1
    worker.save()
    _log(
        actor,
        "update_worker",
        worker,
        **{k: ("***" if k.startswith("phone") else v) for k, v in changed.items()},
    )
    return worker


@transaction.atomic
def end_worker(*, actor: User, worker: Worker, left_on: dt.date, reason: str) -> Worker:
    """The worker leaves (离岗): state left, current assignments (and their posts) end."""
    _see_worker(actor, worker)
    worker = _lock(Worker, worker)
    _manage(actor, worker.region_path)
    if worker.state != c.WorkerState.ACTIVE:
        raise OpsConflict(_("该人员已离岗"))
    errors = Errors()
    day = _date(errors, "left_on", left_on, _("离岗日期"))
    if day is not None and day < worker.hired_on:
        errors.add("left_on", _("离岗日期不能早于入职日期"))
    if day is not None and day > _today():
        errors.add("left_on", _("离岗日期不能晚于今天"))
    why = _text(errors, "reason", reason, 200, label=_("离岗原因"))
    errors.raise_if_any()
    assert day is not None
    ended = []
    for assignment in _open_assignments(worker, day):
        assignment.ends_on = max(day, assignment.starts_on)
        assignment.save(update_fields=["ends_on"])
        ended.append(assignment)
    worker.state = c.WorkerState.LEFT
    worker.left_on = day
    worker.version += 1
    worker.save(update_fields=["state", "left_on", "version", "updated_at"])
    _sync_posts(worker, actor, ended)
    _log(actor, "end_worker", worker, left_on=day, reason=why)
    return worker


# -- assignments -----------------------------------------------------------------------------


def _open_assignments(worker: Worker, day: dt.date) -> list[Assignment]:
    """Assignments not ended before ``day`` (current on it, or starting later)."""
    return list(
        Assignment.objects.select_for_update()
        .filter(worker=worker)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("starts_on", "pk")
    )


def _current_assignments(worker: Worker, day: dt.date) -> list[Assignment]:
    """The worker's assignments on ``day``: main first."""
    return list(
        Assignment.objects.filter(worker=worker, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .select_related("grid", "grid__parent")
        .order_by("-is_main", "starts_on", "pk")
    )


def _end_post(post: Post, actor: Any, day: dt.date) -> None:
    post.ends_on = max(day, post.starts_on)
    post.is_active = day >= _today()  # an assignment ended before today: no scope from now
    post.save(update_fields=["ends_on", "is_active"])
    forget_scope(post.user)
    party_access.forget(post.user)
    audit.record(actor=actor, action="end_post", obj=post, changes={"ends_on": str(post.ends_on)})


def _sync_posts(worker: Worker, actor: Any, ended: Iterable[Assignment] = ()) -> None:
    """The worker's account holds a current grid worker post on every grid they serve now (or
    from a later day); a grid whose assignment just ended loses the post when no other
    assignment keeps it. Posts the roster did not cause are left alone."""
    if worker.user_id is None:
        return
    from gridgov.accounts.services import assign_post

    today = _today()
    keep = {
        a.grid_id: a.grid
        for a in Assignment.objects.filter(worker=worker)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("grid")
    }
    posts = list(
        Post.objects.current()
        .filter(user_id=worker.user_id, role=Role.GRID_WORKER)
        .select_related("user")
    )
    held = {post.region_id for post in posts}
    assert worker.user is not None
    for grid_id, grid in keep.items():
        if grid_id not in held:
            assign_post(user=worker.user, role=Role.GRID_WORKER, region=grid, actor=actor)
            party_access.forget(worker.user)
    gone = {a.grid_id: a.ends_on or today for a in ended}
    for post in posts:
        if post.region_id in gone and post.region_id not in keep:
            _end_post(post, actor, gone[post.region_id])


@transaction.atomic
def assign(
    *,
    actor: User,
    worker: Worker,
    grid: Region,
    starts_on: dt.date,
    is_main: bool = True,
    reason: str = "",
) -> Assignment:
    """Assign the worker to a grid from ``starts_on``. A new main grid ends the current main
    one the day before (the same day when it started that day)."""
    _see_worker(actor, worker)
    if not isinstance(grid, Region):
        raise ValidationError({"grid": _("请选择网格")})
    _see_region(actor, grid)
    worker = _lock(Worker, worker)
    _manage(actor, worker.region_path)
    _manage(actor, grid.path)
    if worker.state != c.WorkerState.ACTIVE:
        raise OpsConflict(_("该人员已离岗，不能分配网格"))
    errors = Errors()
    if grid.level != "grid":
        errors.add("grid", _("“%(name)s”不是网格") % {"name": grid.name})
    elif not grid.is_active:
        errors.add("grid", _("网格“%(name)s”已停用") % {"name": grid.name})
    day = _date(errors, "starts_on", starts_on, _("开始日期"))
    if day is not None and day < worker.hired_on:
        errors.add("starts_on", _("开始日期不能早于入职日期"))
    why = _text(errors, "reason", reason, 200)
    errors.raise_if_any()
    assert day is not None
    ending: list[Assignment] = []
    for current in _open_assignments(worker, day):
        if current.grid_id == grid.pk and current.is_main == bool(is_main):
            errors.add("grid", _("该人员已分配到此网格"))
        elif current.grid_id == grid.pk or (is_main and current.is_main):
            if current.starts_on > day:
                errors.add(
                    "starts_on",
                    _("开始日期不能早于现有分配的开始日期（%(day)s）") % {"day": current.starts_on},
                )
            ending.append(current)
    errors.raise_if_any()
    for current in ending:
        current.ends_on = max(day - dt.timedelta(days=1), current.starts_on)
        current.save(update_fields=["ends_on"])
    assignment = Assignment.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path,
        is_main=bool(is_main),
        starts_on=day,
        reason=why,
        created_by=actor,
    )
    _sync_posts(worker, actor, ending)
    _log(actor, "assign", assignment, grid=grid.path, starts_on=day, is_main=bool(is_main))
    return assignment


@transaction.atomic
def end_assignment(
    *, actor: User, assignment: Assignment, ends_on: dt.date, reason: str = ""
) -> Assignment:
    if not _visible(Assignment, assignment.pk, actor):
        raise _not_found()
    assignment = _lock(Assignment, assignment)
    _manage(actor, assignment.region_path)
    if assignment.ends_on is not None and assignment.ends_on < _today():
        raise OpsConflict(_("该分配已结束"))
    errors = Errors()
    day = _date(errors, "ends_on", ends_on, _("结束日期"))
    if day is not None and day < assignment.starts_on:
        errors.add("ends_on", _("结束日期不能早于开始日期"))
    why = _text(errors, "reason", reason, 200)
    errors.raise_if_any()
    assert day is not None
    assignment.ends_on = day
    if why:
        assignment.reason = why
    assignment.save(update_fields=["ends_on", "reason"])
    _sync_posts(assignment.worker, actor, [assignment])
    _log(actor, "end_assignment", assignment, ends_on=day, reason=why)
    return assignment


# -- training --------------------------------------------------------------------------------


def _level(errors: Errors, field: str, region: Any, levels: frozenset[str], label: str) -> None:
    if not isinstance(region, Region):
        errors.add(field, _("请选择%(label)s") % {"label": label})
    elif region.level not in levels:
        errors.add(field, _("%(label)s应为县（市）、乡镇（街道）或村（社区）") % {"label": label})


@transaction.atomic
def create_course(
    *, actor: User, region: Region, name: str, topic: str = "", hours: Decimal = Decimal(2)
) -> Course:
    if isinstance(region, Region):
        _see_region(actor, region)
        _manage(actor, region.path)
    errors = Errors()
    _level(errors, "region", region, COURSE_LEVELS, _("主办区划"))
    clean_name = _text(errors, "name", name, 100, label=_("课程名称"))
    clean_topic = _text(errors, "topic", topic, 200)
    try:
        value = Decimal(str(hours))
        if not value.is_finite() or not Decimal("0.5") <= value <= Decimal(200):
            raise InvalidOperation
        if value != value.quantize(Decimal("0.1")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("hours", _("学时应在 0.5–200 之间，最多一位小数"))
        value = Decimal(0)
    errors.raise_if_any()
    course = Course.objects.create(
        name=clean_name, topic=clean_topic, hours=value, region=region, region_path=region.path
    )
    _log(actor, "create_course", course, name=course.name)
    return course


@transaction.atomic
def create_session(
    *,
    actor: User,
    course: Course,
    region: Region,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    trainer: str = "",
    note: str = "",
) -> TrainingSession:
    """A sitting of a course held by ``region`` (inside the course's own region)."""
    if isinstance(region, Region):
        _see_region(actor, region)
        _manage(actor, region.path)
    errors = Errors()
    _level(errors, "region", region, COURSE_LEVELS, _("举办区划"))
    if not course.is_active:
        errors.add("course", _("课程已停用"))
    elif isinstance(region, Region) and not region.path.startswith(course.region_path):
        errors.add("region", _("举办区划应在课程主办区划之内"))
    start = _aware(errors, "starts_at", starts_at, _("开始时间"))
    end = _aware(errors, "ends_at", ends_at, _("结束时间"))
    if start is not None and end is not None and end <= start:
        errors.add("ends_at", _("结束时间应晚于开始时间"))
    clean_place = _text(errors, "place", place, 200)
    clean_trainer = _text(errors, "trainer", trainer, 100)
    clean_note = _text(errors, "note", note, 2000)
    errors.raise_if_any()
    assert start is not None and end is not None
    session = TrainingSession.objects.create(
        course=course,
        region=region,
        region_path=region.path,
        starts_at=start,
        ends_at=end,
        place=clean_place,
        trainer=clean_trainer,
        note=clean_note,
        created_by=actor,
    )
    _log(actor, "create_session", session, course=course, region=region.path)
    return session


@transaction.atomic
def record_training(
    *,
    actor: User,
    session: TrainingSession,
    worker: Worker,
    status: str,
    passed: bool | None = None,
    score: int | None = None,
) -> TrainingAttendance:
    """Put a worker on the session's sheet (or correct their line): only a worker under the
    session's region; ``passed`` and ``score`` only for one who was present."""
    if not _visible(TrainingSession, session.pk, actor):
        raise _not_found()
    _manage(actor, session.region_path)
    _see_worker(actor, worker)
    errors = Errors()
    under = worker.region_path.startswith(session.region_path) or any(
        a.grid.path.startswith(session.region_path)
        for a in _current_assignments(worker, timezone.localdate(session.starts_at))
    )
    if not under:
        errors.add("worker", _("该人员不在本次培训的区划内"))
    clean_status = _choice(errors, "status", status, c.AttendanceStatus, blank=False)
    if clean_status != c.AttendanceStatus.PRESENT:
        if passed is not None:
            errors.add("passed", _("未出席的人员不能记录考核结果"))
        if score is not None:
            errors.add("score", _("未出席的人员不能记录成绩"))
    if passed is not None and not isinstance(passed, bool):
        errors.add("passed", _("考核结果无效"))
    if score is not None:
        _int(errors, "score", score, 0, 100, _("成绩"))
    errors.raise_if_any()
    row, _created = TrainingAttendance.objects.update_or_create(
        session=session,
        worker=worker,
        defaults={
            "region_path": session.region_path,
            "status": clean_status,
            "passed": passed,
            "score": score,
        },
    )
    _log(actor, "record_training", row, status=clean_status, passed=passed, score=score)
    return row


# -- leave and duty --------------------------------------------------------------------------


@transaction.atomic
def request_leave(
    *,
    actor: User,
    worker: Worker,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str = "",
) -> Leave:
    _see_worker(actor, worker)
    if not access.may_request_leave(actor, worker):
        raise _forbidden()
    worker = _lock(Worker, worker)
    if worker.state != c.WorkerState.ACTIVE:
        raise OpsConflict(_("该人员已离岗"))
    errors = Errors()
    clean_kind = _choice(errors, "kind", kind, c.LeaveKind, blank=False)
    start = _date(errors, "starts_on", starts_on, _("开始日期"))
    end = _date(errors, "ends_on", ends_on, _("结束日期"))
    why = _text(errors, "reason", reason, 200)
    if start is not None and end is not None:
        if end < start:
            errors.add("ends_on", _("结束日期不能早于开始日期"))
        elif (end - start).days + 1 > LEAVE_MAX_DAYS:
            errors.add("ends_on", _("一次请假最多 %(n)s 天") % {"n": LEAVE_MAX_DAYS})
        else:
            overlap = (
                Leave.objects.filter(worker=worker, cancelled=False)
                .filter(starts_on__lte=end, ends_on__gte=start)
                .first()
            )
            if overlap is not None:
                errors.add(
                    "starts_on",
                    _("与已有请假（%(a)s 至 %(b)s）重叠")
                    % {"a": overlap.starts_on, "b": overlap.ends_on},
                )
    errors.raise_if_any()
    assert start is not None and end is not None
    leave = Leave.objects.create(
        worker=worker,
        region_path=worker.region_path,
        kind=clean_kind,
        starts_on=start,
        ends_on=end,
        reason=why,
    )
    _log(actor, "request_leave", leave, starts_on=start, ends_on=end, kind=clean_kind)
    return leave


def _see_leave(actor: Any, leave: Leave) -> Leave:
    if not (access.is_self(actor, leave.worker) or _visible(Leave, leave.pk, actor)):
        raise _not_found()
    return _lock(Leave, leave)


@transaction.atomic
def approve_leave(*, actor: User, leave: Leave) -> Leave:
    leave = _see_leave(actor, leave)
    if access.is_self(actor, leave.worker):
        raise _forbidden(_("不能批准自己的请假"))
    _manage(actor, leave.region_path)
    if leave.cancelled:
        raise OpsConflict(_("该请假已撤销"))
    if leave.approved_at is not None:
        raise OpsConflict(_("该请假已批准"))
    leave.approved_by = actor
    leave.approved_at = timezone.now()
    leave.save(update_fields=["approved_by", "approved_at"])
    _log(actor, "approve_leave", leave)
    return leave


@transaction.atomic
def cancel_leave(*, actor: User, leave: Leave) -> Leave:
    leave = _see_leave(actor, leave)
    if not access.may_request_leave(actor, leave.worker):
        raise _forbidden()
    if leave.cancelled:
        raise OpsConflict(_("该请假已撤销"))
    leave.cancelled = True
    leave.save(update_fields=["cancelled"])
    _log(actor, "cancel_leave", leave)
    return leave


@transaction.atomic
def set_duty(
    *, actor: User, worker: Worker, region: Region, day: dt.date, note: str = ""
) -> DutyShift:
    """The worker is on duty on ``day`` in their grid or a region above it."""
    _see_worker(actor, worker)
    if not isinstance(region, Region):
        raise ValidationError({"region": _("请选择值班区域")})
    _see_region(actor, region)
    _manage(actor, region.path)
    worker = _lock(Worker, worker)
    if worker.state != c.WorkerState.ACTIVE:
        raise OpsConflict(_("该人员已离岗"))
    errors = Errors()
    clean_day = _date(errors, "day", day, _("值班日期"))
    clean_note = _text(errors, "note", note, 200)
    if clean_day is not None:
        if clean_day < worker.hired_on:
            errors.add("day", _("值班日期不能早于入职日期"))
        grids = [a.grid.path for a in _current_assignments(worker, clean_day)]
        if not grids:
            errors.add("region", _("该人员当天未分配网格"))
        elif not any(path.startswith(region.path) for path in grids):
            errors.add("region", _("值班区域应为该人员的网格或其上级区划"))
        elif DutyShift.objects.filter(worker=worker, day=clean_day).exists():
            errors.add("day", _("该人员当天已有值班安排"))
    errors.raise_if_any()
    assert clean_day is not None
    duty = DutyShift.objects.create(
        worker=worker,
        region=region,
        region_path=region.path,
        day=clean_day,
        note=clean_note,
        created_by=actor,
    )
    _log(actor, "set_duty", duty, day=clean_day, region=region.path)
    return duty


@transaction.atomic
def remove_duty(*, actor: User, duty: DutyShift) -> None:
    if not _visible(DutyShift, duty.pk, actor):
        raise _not_found()
    duty = _lock(DutyShift, duty)
    _manage(actor, duty.region_path)
    _log(actor, "remove_duty", duty, day=duty.day, worker=duty.worker_id)
    duty.delete()


# -- positions -------------------------------------------------------------------------------

_SHAPES: dict[tuple[int, str], geometry.GridShape] = {}
_SHAPES_MAX = 4096


def grid_shape(grid: Region) -> geometry.GridShape | None:
    """The grid's prepared outline, cached per process and per version of its outline."""
    if not grid.geometry:
        return None
    digest = hashlib.blake2b(
        json.dumps(grid.geometry, sort_keys=True).encode(), digest_size=16
    ).hexdigest()
    key = (grid.pk, digest)
    found = _SHAPES.get(key)
    if found is None:
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        found = _SHAPES[key] = geometry.GridShape(grid.geometry)
    return found


def _margin() -> float:
    return float(settings.GRIDGOV_CHECKIN_MARGIN_M)


def _max_accuracy() -> float:
    return float(settings.GRIDGOV_CHECKIN_MAX_ACCURACY_M)


def _grid_label(grid: Region | None) -> str:
    if grid is None:
        return ""
    parent = grid.parent if grid.level == "grid" else None
    if parent is not None and not grid.name.startswith(parent.name):
        return f"{parent.name}{grid.name}"
    return grid.name


def _clean_position(
    errors: Errors, lng: Any, lat: Any, crs: Any, accuracy: Any
) -> tuple[float | None, float | None, str, float | None]:
    """Validated (WGS-84 lng, lat, crs, accuracy); lng/lat None when not sent."""
    clean_crs = str(crs or "")
    if clean_crs not in c.Crs.values:
        errors.add("crs", _("坐标系应为 wgs84 或 gcj02"))
    x = y = None
    if lng is not None and lat is not None:
        x = _number(errors, "lng", lng, _("经度"))
        y = _number(errors, "lat", lat, _("纬度"))
        if x is not None and not -180 <= x <= 180:
            errors.add("lng", _("经度无效"))
        if y is not None and not -90 <= y <= 90:
            errors.add("lat", _("纬度无效"))
    elif (lng is None) != (lat is None):
        errors.add("lng" if lng is None else "lat", _("经纬度应同时提供"))
    acc = None
    if accuracy is not None:
        acc = _number(errors, "accuracy", accuracy, _("定位精度"))
        if acc is not None and acc < 0:
            errors.add("accuracy", _("定位精度无效"))
    if errors.by_field or x is None or y is None:
        return None, None, clean_crs, acc
    wx, wy = geometry.to_wgs84(x, y, clean_crs)
    return wx, wy, clean_crs, acc


def _clean_at(errors: Errors, at: Any, now: dt.datetime) -> dt.datetime:
    if at is None:
        return now
    value = _aware(errors, "at", at, _("时间"))
    if value is None:
        return now
    if value > now + FUTURE_SKEW:
        errors.add("at", _("时间不能晚于现在"))
    elif value < now - PAST_LIMIT:
        errors.add("at", _("只能补记 48 小时内的记录"))
    return value


def _nearest(
    assignments: Sequence[Assignment], lng: float, lat: float
) -> tuple[Region, float | None]:
    """The grid the position is in or nearest to (main first on a tie) and the distance."""
    best: tuple[Region, float | None] | None = None
    for assignment in assignments:
        shape = grid_shape(assignment.grid)
        if shape is None:
            continue
        metres = shape.distance_m(lng, lat)
        if best is None or best[1] is None or metres < best[1]:
            best = (assignment.grid, metres)
    if best is None:  # no grid has an outline: nothing to test against
        return assignments[0].grid, None
    return best


def _own(actor: Any, message: str) -> Worker:
    worker = access.own_worker(actor)
    if worker is None:
        raise _forbidden(message)
    assert isinstance(worker, Worker)
    return worker


def _client_id(errors: Errors, value: Any) -> str:
    raw = "" if value is None else str(value).strip()
    if len(raw) > 64:
        errors.add("client_id", _("客户端编号过长"))
    return raw


# -- check-in --------------------------------------------------------------------------------


@transaction.atomic
def check_in(
    *,
    actor: User,
    kind: str,
    lng: float | None,
    lat: float | None,
    crs: str = "wgs84",
    accuracy: float | None = None,
    at: dt.datetime | None = None,
    client_id: str = "",
) -> CheckIn:
    """The actor checks in or out where they stand. Invalid input raises; an attempt refused
    for its position (no grid, no position, too inaccurate, outside the grids beyond the
    margin) is stored as an anomaly and returned. The same ``client_id`` again returns the
    stored row."""
    worker = _own(actor, _("您不在网格力量名册中，不能签到"))
    errors = Errors()
    cid = _client_id(errors, client_id)
    if cid and not errors.by_field:
        stored = CheckIn.objects.filter(worker=worker, client_id=cid).first()
        if stored is not None:
            return stored
    now = timezone.now()
    clean_kind = _choice(errors, "kind", kind, c.CheckInKind, blank=False)
    when = _clean_at(errors, at, now)
    x, y, clean_crs, acc = _clean_position(errors, lng, lat, crs, accuracy)
    errors.raise_if_any()
    day = timezone.localdate(when)
    assignments = _current_assignments(worker, day)
    grid: Region | None = assignments[0].grid if assignments else None
    distance: float | None = None
    reason = ""
    if not assignments:
        reason = c.RefuseReason.NO_GRID
    elif x is None or y is None:
        reason = c.RefuseReason.NO_POSITION
    elif acc is not None and acc > _max_accuracy():
        reason = c.RefuseReason.INACCURATE
    else:
        grid, distance = _nearest(assignments, x, y)
        if distance is not None:
            distance = round(distance, 1)
            if distance > _margin():
                reason = c.RefuseReason.OUTSIDE
    checkin = CheckIn.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path if grid is not None else worker.region_path,
        kind=clean_kind,
        at=when,
        day=day,
        lng=x,
        lat=y,
        crs=clean_crs,
        accuracy=acc,
        accepted=not reason,
        reason=reason,
        distance_m=distance,
        client_id=cid,
    )
    return checkin


def _metres(value: float) -> str:
    return f"{round(value):,}"


def refuse_message(
    reason: str, *, distance_m: float | None = None, accuracy: float | None = None
) -> str:
    """The Chinese explanation of a refused check-in or patrol start."""
    if reason == c.RefuseReason.OUTSIDE:
        return _("不在网格内：距网格边界约 %(d)s 米（允许 %(m)s 米）") % {
            "d": _metres(distance_m or 0),
            "m": _metres(_margin()),
        }
    if reason == c.RefuseReason.NO_POSITION:
        return _("未获取到位置，请打开定位后重试")
    if reason == c.RefuseReason.INACCURATE:
        return _("定位精度约 %(a)s 米，超过允许的 %(m)s 米") % {
            "a": _metres(accuracy or 0),
            "m": _metres(_max_accuracy()),
        }
    if reason == c.RefuseReason.NO_GRID:
        return _("您当前未分配网格，请联系管理员")
    return ""


def checkin_message(checkin: CheckIn) -> str:
    """What the phone shows after a check-in, e.g. "签到成功：育才社区第一网格"."""
    if checkin.accepted:
        label = _("签到成功") if checkin.kind == c.CheckInKind.ON else _("签退成功")
        name = _grid_label(checkin.grid)
        return f"{label}：{name}" if name else str(label)
    return refuse_message(checkin.reason, distance_m=checkin.distance_m, accuracy=checkin.accuracy)


# -- patrols ---------------------------------------------------------------------------------


def open_patrol_of(user: Any, *, now: dt.datetime | None = None) -> Patrol | None:
    """The user's open patrol (not yet due for the sweep), if they are on the roster."""
    worker = access.own_worker(user)
    if worker is None:
        return None
    since = (now or timezone.now()) - dt.timedelta(hours=float(settings.GRIDGOV_PATROL_MAX_HOURS))
    return (
        Patrol.objects.filter(worker=worker, state=c.PatrolState.OPEN, started_at__gte=since)
        .order_by("-started_at")
        .first()
    )


def _ingest(batches: Mapping[int, Sequence[PointIn]], now: dt.datetime) -> dict[int, IngestResult]:
    from gridgov.ops.ingest import ingest

    return ingest(batches, now=now)


@transaction.atomic
def start_patrol(
    *,
    actor: User,
    lng: float | None,
    lat: float | None,
    crs: str = "wgs84",
    accuracy: float | None = None,
    at: dt.datetime | None = None,
    client_id: str = "",
) -> Patrol:
    """Start a patrol where the worker stands: inside one of their grids (or within the
    margin), with a usable position. The start position is the track's point 0."""
    from gridgov.ops.ingest import PointIn

    worker = _own(actor, _("您不在网格力量名册中，不能巡查"))
    worker = _lock(Worker, worker)
    errors = Errors()
    cid = _client_id(errors, client_id)
    if cid and not errors.by_field:
        stored = Patrol.objects.filter(worker=worker, client_id=cid).first()
        if stored is not None:
            return stored
    now = timezone.now()
    when = _clean_at(errors, at, now)
    x, y, _crs, acc = _clean_position(errors, lng, lat, crs, accuracy)
    errors.raise_if_any()
    if Patrol.objects.filter(worker=worker, state=c.PatrolState.OPEN).exists():
        raise OpsConflict(_("已有进行中的巡查"))
    day = timezone.localdate(when)
    assignments = _current_assignments(worker, day)
    if not assignments:
        raise ValidationError({"position": refuse_message(c.RefuseReason.NO_GRID)})
    if x is None or y is None:
        raise ValidationError({"position": refuse_message(c.RefuseReason.NO_POSITION)})
    if acc is not None and acc > _max_accuracy():
        raise ValidationError({"position": refuse_message(c.RefuseReason.INACCURATE, accuracy=acc)})
    grid, distance = _nearest(assignments, x, y)
    if distance is not None and distance > _margin():
        raise ValidationError(
            {"position": refuse_message(c.RefuseReason.OUTSIDE, distance_m=distance)}
        )
    patrol = Patrol.objects.create(
        worker=worker,
        grid=grid,
        region_path=grid.path,
        started_at=when,
        day=day,
        client_id=cid,
    )
    _ingest({patrol.pk: [PointIn(seq=0, at=when, lng=x, lat=y, accuracy=acc)]}, max(now, when))
    patrol.refresh_from_db()
    return patrol


def _load_patrol(actor: Any, patrol: Patrol, *, manager_may: bool) -> Patrol:
    own = access.is_self(actor, patrol.worker)
    if not own and not _visible(Patrol, patrol.pk, actor):
        raise _not_found()
    if not own and not (manager_may and access.may_manage(actor, patrol.region_path)):
        raise _forbidden(_("只能操作自己的巡查"))
    patrol = _lock(Patrol, patrol)
    if patrol.state != c.PatrolState.OPEN:
        raise OpsConflict(_("巡查已结束"))
    return patrol


def _point_value(raw: Any, name: str) -> Any:
    if isinstance(raw, Mapping):
        return raw.get(name)
    return getattr(raw, name, None)


@transaction.atomic
def add_points(
    *, actor: User, patrol: Patrol, points: Sequence[Any], crs: str = "wgs84"
) -> IngestResult:
    """A batch of the actor's own open patrol's track (at most 500 points), converted to
    WGS-84 and handed to ``ops.ingest`` (duplicates and GPS jumps are counted, not stored)."""
    from gridgov.ops.ingest import PointIn

    patrol = _load_patrol(actor, patrol, manager_may=False)
    errors = Errors()
    if crs not in c.Crs.values:
        errors.add("crs", _("坐标系应为 wgs84 或 gcj02"))
    if len(points) > MAX_POINTS:
        errors.add("points", _("每次最多上传 %(n)s 个轨迹点") % {"n": MAX_POINTS})
    errors.raise_if_any()
    clean: list[PointIn] = []
    for index, raw in enumerate(points, start=1):
        seq, at = _point_value(raw, "seq"), _point_value(raw, "at")
        lng, lat = _point_value(raw, "lng"), _point_value(raw, "lat")
        accuracy = _point_value(raw, "accuracy")
        bad = (
            isinstance(seq, bool)
            or not isinstance(seq, int)
            or seq < 0
            or not isinstance(at, dt.datetime)
            or timezone.is_naive(at)
            or isinstance(lng, bool)
            or isinstance(lat, bool)
            or not isinstance(lng, int | float)
            or not isinstance(lat, int | float)
            or not geometry.valid_position(float(lng), float(lat))
            or (
                accuracy is not None
                and (
                    isinstance(accuracy, bool)
                    or not isinstance(accuracy, int | float)
                    or not math.isfinite(accuracy)
                    or accuracy < 0
                )
            )
        )
        if bad:
            raise ValidationError({"points": _("第 %(n)s 个轨迹点无效") % {"n": index}})
        x, y = geometry.to_wgs84(float(lng), float(lat), crs)
        clean.append(
            PointIn(
                seq=seq,
                at=at,
                lng=x,
                lat=y,
                accuracy=None if accuracy is None else float(accuracy),
            )
        )
    return _ingest({patrol.pk: clean}, timezone.now())[patrol.pk]


@transaction.atomic
def stop_patrol(
    *, actor: User, patrol: Patrol, at: dt.datetime | None = None, note: str = ""
) -> Patrol:
    """Stop the patrol (the worker, or a manager over its grid): the final distance is the
    length of the stored track, the duration runs from the start to ``at``."""
    patrol = _load_patrol(actor, patrol, manager_may=True)
    now = timezone.now()
    errors = Errors()
    when = now if at is None else _aware(errors, "at", at, _("结束时间"))
    clean_note = _text(errors, "note", note, NOTE_MAX)
    if when is not None:
        if when > now + STOP_SKEW:
            errors.add("at", _("结束时间不能晚于现在"))
        elif when < patrol.started_at or (patrol.last_at is not None and when < patrol.last_at):
            errors.add("at", _("结束时间不能早于最后一个轨迹点"))
    errors.raise_if_any()
    assert when is not None
    _close(patrol, when, c.PatrolState.STOPPED)
    patrol.note = clean_note
    patrol.save(update_fields=["note"])
    return patrol


def _close(patrol: Patrol, when: dt.datetime, state: str) -> None:
    track = list(
        PatrolPoint.objects.filter(patrol=patrol).order_by("seq").values_list("lng", "lat")
    )
    if track:
        patrol.distance_m = round(
            geometry.track_length_m([p[0] for p in track], [p[1] for p in track]), 1
        )
    patrol.stopped_at = when
    patrol.duration_s = max(0, int((when - patrol.started_at).total_seconds()))
    patrol.state = state
    patrol.version += 1
    patrol.save(update_fields=["distance_m", "stopped_at", "duration_s", "state", "version"])


def close_stale_patrols(*, now: dt.datetime | None = None) -> int:
    """Close patrols left open longer than ``GRIDGOV_PATROL_MAX_HOURS`` (auto_closed): they end
    at their last point, or at the start plus the maximum when they have none."""
    now = now or timezone.now()
    hours = dt.timedelta(hours=float(settings.GRIDGOV_PATROL_MAX_HOURS))
    ids = list(
        Patrol.objects.filter(state=c.PatrolState.OPEN, started_at__lt=now - hours)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    closed = 0
    for pk in ids:
        with transaction.atomic():
            patrol = (
                Patrol.objects.select_for_update().filter(pk=pk, state=c.PatrolState.OPEN).first()
            )
            if patrol is None:
                continue
            _close(patrol, patrol.last_at or patrol.started_at + hours, c.PatrolState.AUTO_CLOSED)
            closed += 1
    return closed


# -- plans -----------------------------------------------------------------------------------


@transaction.atomic
def create_plan(
    *,
    actor: User,
    grid: Region,
    times: int,
    period: str,
    starts_on: dt.date,
    min_minutes: int = 30,
    min_distance_m: int = 500,
    note: str = "",
) -> PatrolPlan:
    """The grid's patrol plan from ``starts_on``; the current plan ends the day before."""
    if not isinstance(grid, Region):
        raise ValidationError({"grid": _("请选择网格")})
    _see_region(actor, grid)
    _manage(actor, grid.path)
    errors = Errors()
    if grid.level != "grid":
        errors.add("grid", _("“%(name)s”不是网格") % {"name": grid.name})
    clean_times = _int(errors, "times", times, 1, 20, _("次数"))
    clean_period = _choice(errors, "period", period, c.PlanPeriod, blank=False)
    clean_minutes = _int(errors, "min_minutes", min_minutes, 0, 480, _("每次至少分钟数"))
    clean_metres = _int(errors, "min_distance_m", min_distance_m, 0, 50_000, _("每次至少米数"))
    day = _date(errors, "starts_on", starts_on, _("开始日期"))
    clean_note = _text(errors, "note", note, 200)
    errors.raise_if_any()
    assert day is not None
    current = list(
        PatrolPlan.objects.select_for_update()
        .filter(grid=grid)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    )
    for plan in current:
        if plan.starts_on >= day:
            errors.add(
                "starts_on",
                _("开始日期应晚于现行计划的开始日期（%(day)s）") % {"day": plan.starts_on},
            )
    errors.raise_if_any()
    for plan in current:
        plan.ends_on = day - dt.timedelta(days=1)
        plan.save(update_fields=["ends_on"])
    plan = PatrolPlan.objects.create(
        grid=grid,
        region_path=grid.path,
        times=clean_times,
        period=clean_period,
        min_minutes=clean_minutes,
        min_distance_m=clean_metres,
        starts_on=day,
        note=clean_note,
        created_by=actor,
    )
    _log(actor, "create_plan", plan, times=clean_times, period=clean_period, starts_on=day)
    return plan


@transaction.atomic
def end_plan(*, actor: User, plan: PatrolPlan, ends_on: dt.date) -> PatrolPlan:
    if not _visible(PatrolPlan, plan.pk, actor):
        raise _not_found()
    plan = _lock(PatrolPlan, plan)
    _manage(actor, plan.region_path)
    if plan.ends_on is not None:
        raise OpsConflict(_("该计划已结束"))
    errors = Errors()
    day = _date(errors, "ends_on", ends_on, _("结束日期"))
    if day is not None and day < plan.starts_on:
        errors.add("ends_on", _("结束日期不能早于开始日期"))
    errors.raise_if_any()
    plan.ends_on = day
    plan.save(update_fields=["ends_on"])
    _log(actor, "end_plan", plan, ends_on=day)
    return plan
