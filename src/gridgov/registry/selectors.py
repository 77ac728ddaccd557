"""Reads of the registers, every one through the jurisdiction function. Filters are dataclasses
built from URL parameters (the same names in pages, the API and exports)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.jurisdiction import restrict
from gridgov.regions.models import subtree_q
from gridgov.registry import access
from gridgov.registry import choices as c
from gridgov.registry.models import (
    CareContract,
    Organisation,
    Person,
    PersonTag,
    PersonTagEvent,
    RegistryChange,
    RevealRecord,
    Room,
    Tag,
    TagGroup,
    Tenancy,
    Visit,
)
from gridgov.registry.validators import normalise_credit_code
from gridgov.registry.values import id_lookup_hash, phone_lookup_hash


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class PersonFilter:
    """``q``: a name (prefix), a whole ID number or phone (exact, by keyed hash), or the last
    four characters of an ID number."""

    q: str = ""
    qh: str = ""  # the lookup hash of a whole ID number or phone (kept out of URLs in clear)
    region: str = ""
    kind: str = ""
    residence_status: str = ""
    gender: str = ""
    tag: str = ""
    group: str = ""
    party: str = ""  # "1" | "0" | ""
    state: str = "active"  # "" for every state
    age_min: int | None = None
    age_max: int | None = None
    household_no: str = ""
    room: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PersonFilter:
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in params:
                continue
            raw = params.get(f.name)
            if f.name in ("age_min", "age_max", "room"):
                values[f.name] = _int(raw)
            else:
                values[f.name] = str(raw or "").strip()[:100]
        return cls(**values)

    def hashed(self) -> PersonFilter:
        """The same filter with a whole ID number or phone in ``q`` replaced by its keyed hash,
        so that links, browser history and logs never carry it in clear."""
        hashed = _number_hash(self.q)
        return self if hashed is None else replace(self, q="", qh=hashed)

    def as_params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        flt = self.hashed()
        for f in fields(flt):
            value = getattr(flt, f.name)
            if value not in (None, "") and value != f.default:
                out[f.name] = str(value)
        if self.state != "active":
            out["state"] = self.state
        return out


def _number_hash(q: str) -> str | None:
    """The lookup hash when ``q`` is a whole ID number or phone; otherwise None."""
    value = re.sub(r"[\s\-]", "", q or "").upper()
    if len(value) == 18 and value[:17].isdigit() and (value[17].isdigit() or value[17] == "X"):
        return id_lookup_hash(value)
    if value.isdigit() and (
        (len(value) == 11 and value.startswith("1"))
        or (value.startswith("0") and 10 <= len(value) <= 12)
    ):
        return phone_lookup_hash(value)
    return None


def people(user: Any, flt: PersonFilter | None = None, *, action: str = "view") -> QuerySet[Person]:
    flt = flt or PersonFilter()
    qs = restrict(Person.objects.all(), user, action)  # type: ignore[arg-type]
    if flt.state:
        qs = qs.filter(state=flt.state)
    flt = flt.hashed()
    if flt.qh:
        qs = qs.filter(Q(id_hash=flt.qh) | Q(phone_hash=flt.qh))
    if flt.q:
        q = flt.q.strip()
        digits = q.upper()
        if len(digits) == 4 and digits[:3].isdigit():
            qs = qs.filter(id_masked__endswith=digits)
        else:
            qs = qs.filter(name__startswith=q)
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    for name in ("kind", "residence_status", "gender", "household_no"):
        if getattr(flt, name):
            qs = qs.filter(**{name: getattr(flt, name)})
    if flt.party in ("0", "1"):
        qs = qs.filter(is_party_member=flt.party == "1")
    if flt.room:
        qs = qs.filter(room_id=flt.room)
    today = timezone.localdate()
    if flt.age_min is not None:
        qs = qs.filter(birth_date__lte=_years_before(today, flt.age_min))
    if flt.age_max is not None:
        qs = qs.filter(birth_date__gt=_years_before(today, flt.age_max + 1))
    if flt.tag or flt.group:
        tags = visible_tags(user)
        tags = tags.filter(code=flt.tag) if flt.tag else tags.filter(group__code=flt.group)
        qs = qs.filter(Exists(PersonTag.objects.filter(person=OuterRef("pk"), tag__in=tags)))
        if tags.filter(group__sensitive=True).exists():
            # Who carries a sensitive tag is known only where the user may reveal.
            qs = qs.filter(access.reveal_q(user))
    return qs


def _years_before(day: dt.date, years: int) -> dt.date:
    years = max(0, min(years, 150))
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def get_person(user: Any, pk: Any) -> Person:
    person = (
        restrict(Person.objects.all(), user)
        .select_related("region", "room", "room__building")
        .filter(pk=_int(pk) or 0)
        .first()
    )
    if person is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    return person


def visible_tags(user: Any) -> QuerySet[Tag]:
    """Tags the user may see: sensitive groups only for posts that may reveal."""
    tags = Tag.objects.select_related("group").filter(is_active=True)
    if not access.may_reveal_anywhere(user):
        tags = tags.filter(group__sensitive=False)
    return tags


def tag_groups(user: Any) -> QuerySet[TagGroup]:
    groups = TagGroup.objects.all()
    if not access.may_reveal_anywhere(user):
        groups = groups.filter(sensitive=False)
    return groups


def person_tags(user: Any, person: Person) -> list[PersonTag]:
    rows = PersonTag.objects.filter(person=person).select_related("tag__group", "set_by")
    if not access.may_reveal(user, person.region_path):
        rows = rows.filter(tag__group__sensitive=False)
    return list(rows.order_by("tag__group__order", "tag__order"))


def tag_history(user: Any, person: Person) -> list[PersonTagEvent]:
    rows = PersonTagEvent.objects.filter(person=person).select_related("tag__group", "actor")
    if not access.may_reveal(user, person.region_path):
        rows = rows.filter(tag__group__sensitive=False)
    return list(rows)


def changes_of(user: Any, model: str, object_id: int) -> QuerySet[RegistryChange]:
    return (
        restrict(RegistryChange.objects.all(), user)
        .filter(model=model, object_id=object_id)
        .select_related("actor")
    )


def reveals_of(user: Any, model: str, object_id: int) -> QuerySet[RevealRecord]:
    """Who looked at this record's protected values (shown to posts that may reveal it)."""
    return (
        restrict(RevealRecord.objects.all(), user)
        .filter(model=model, object_id=object_id)
        .select_related("actor")
    )


def household(user: Any, person: Person) -> QuerySet[Person]:
    if not person.household_no:
        return Person.objects.none()
    return restrict(Person.objects.all(), user).filter(
        household_no=person.household_no, state=c.PersonState.ACTIVE
    )


# -- rooms -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomFilter:
    q: str = ""  # room number or owner name
    region: str = ""
    use: str = ""
    occupancy: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RoomFilter:
        return cls(
            **{
                f.name: str(params.get(f.name) or "").strip()[:60]
                for f in fields(cls)
                if f.name in params
            }
        )

    def as_params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def rooms(user: Any, flt: RoomFilter | None = None) -> QuerySet[Room]:
    flt = flt or RoomFilter()
    qs = restrict(Room.objects.all(), user).select_related("building")
    if flt.q:
        qs = qs.filter(Q(number=flt.q) | Q(owner_name__startswith=flt.q))
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    if flt.use:
        qs = qs.filter(use=flt.use)
    if flt.occupancy:
        qs = qs.filter(occupancy=flt.occupancy)
    return qs.annotate(
        residents_count=Count("residents", filter=Q(residents__state=c.PersonState.ACTIVE))
    )


def get_room(user: Any, pk: Any) -> Room:
    room = (
        restrict(Room.objects.all(), user)
        .select_related("building")
        .filter(pk=_int(pk) or 0)
        .first()
    )
    if room is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    return room


def tenancies(user: Any, room: Room | None = None, *, current: bool = False) -> QuerySet[Tenancy]:
    qs = restrict(Tenancy.objects.all(), user).select_related("tenant", "room")
    if room is not None:
        qs = qs.filter(room=room)
    if current:
        qs = qs.filter(ended_on__isnull=True)
    return qs


# -- organisations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFilter:
    q: str = ""  # name (contains) or a whole credit code
    region: str = ""
    kind: str = ""
    state: str = ""
    dedicated: str = ""  # "1": only those with a dedicated grid

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> OrganisationFilter:
        return cls(
            **{
                f.name: str(params.get(f.name) or "").strip()[:60]
                for f in fields(cls)
                if f.name in params
            }
        )

    def as_params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def organisations(user: Any, flt: OrganisationFilter | None = None) -> QuerySet[Organisation]:
    flt = flt or OrganisationFilter()
    qs = restrict(Organisation.objects.all(), user).select_related("region", "dedicated_grid")
    if flt.q:
        code = normalise_credit_code(flt.q)
        qs = qs.filter(credit_code=code) if len(code) == 18 else qs.filter(name__contains=flt.q)
    if flt.region:
        qs = qs.filter(subtree_q(flt.region, "region_path"))
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.state:
        qs = qs.filter(state=flt.state)
    if flt.dedicated == "1":
        qs = qs.filter(dedicated_grid__isnull=False)
    return qs


def get_organisation(user: Any, pk: Any) -> Organisation:
    org = (
        restrict(Organisation.objects.all(), user)
        .select_related("region", "dedicated_grid")
        .filter(pk=_int(pk) or 0)
        .first()
    )
    if org is None:
        raise Http404(_("记录不存在或不在您的辖区内"))
    return org


# -- key groups, care and visits -------------------------------------------------------------


def key_group_counts(user: Any, region: str = "") -> list[dict[str, Any]]:
    """People per visible tag (active people only), for the key-group page."""
    rows = (
        restrict(PersonTag.objects.all(), user)
        .filter(person__state=c.PersonState.ACTIVE, tag__in=visible_tags(user))
        .filter(Q(tag__group__sensitive=False) | access.reveal_q(user))
    )
    if region:
        rows = rows.filter(subtree_q(region, "region_path"))
    counts = dict(rows.values_list("tag_id").annotate(n=Count("id")).values_list("tag_id", "n"))
    return [
        {"tag": tag, "count": counts.get(tag.pk, 0)}
        for tag in visible_tags(user).order_by("group__order", "order")
    ]


def contracts(
    user: Any, *, state: str = c.ContractState.ACTIVE, carer: Any = None
) -> QuerySet[CareContract]:
    qs = restrict(CareContract.objects.all(), user).select_related("person", "tag", "carer")
    if state:
        qs = qs.filter(state=state)
    if carer is not None:
        qs = qs.filter(carer=carer)
    return qs


def contracts_due(user: Any, *, on: dt.date | None = None) -> list[CareContract]:
    """Active contracts whose next visit is due on or before ``on`` (today), most overdue
    first."""
    on = on or timezone.localdate()
    due = [k for k in contracts(user) if k.next_visit_due() <= on]
    return sorted(due, key=lambda k: k.next_visit_due())


def visits(
    user: Any,
    *,
    person: Person | None = None,
    room: Room | None = None,
    organisation: Organisation | None = None,
    visitor: Any = None,
    region: str = "",
) -> QuerySet[Visit]:
    qs = restrict(Visit.objects.all(), user).select_related(
        "person", "room", "organisation", "visitor", "follow_up_case"
    )
    if person is not None:
        qs = qs.filter(person=person)
    if room is not None:
        qs = qs.filter(room=room)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if visitor is not None:
        qs = qs.filter(visitor=visitor)
    if region:
        qs = qs.filter(subtree_q(region, "region_path"))
    return qs


def may_reveal(user: Any, obj: Person | Organisation) -> bool:
    return access.may_reveal(user, obj.region_path)
