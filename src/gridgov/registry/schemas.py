"""Input and output schemas of the registers' JSON API.

Outputs carry protected values only masked (``id_masked``, ``phone_masked``): there is no
field for a ciphertext or a lookup hash. Choice fields come as their code plus a ``*_label`` in
the request language; dates and times in ISO 8601."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from gridgov.core.apischemas import (
    MAX_ID,
    Page,
    PageQuery,
    PlaceOut,
    ReasonIn,
    UserRef,
    choice_codes,
    optional_id,
    record_id,
)
from gridgov.registry import choices as c

REGION_PATTERN = r"^[0-9]{2,18}$"


# -- shared pieces ---------------------------------------------------------------------------


class RoomRef(Schema):
    id: int
    label: str = Field(..., description="单元和房号，如 2单元301")
    building: PlaceOut


class PersonRef(Schema):
    id: int
    name: str
    id_masked: str = Field(..., description="脱敏证件号码")


class PersonBrief(PersonRef):
    phone_masked: str = Field(..., description="脱敏联系电话")
    gender: str
    gender_label: str
    birth_date: dt.date
    kind: str
    kind_label: str
    relation: str
    relation_label: str


class OrganisationRef(Schema):
    id: int
    name: str


class TagRef(Schema):
    code: str
    name: str
    group: str
    group_name: str


class RevealIn(ReasonIn):
    field: Literal["id_number", "phone"] = Field(..., description="id_number 证件号码 / phone 电话")


class OrganisationRevealIn(ReasonIn):
    field: Literal["phone"] = "phone"


class RevealOut(Schema):
    field: str
    field_label: str
    value: str = Field(..., description="完整值；本次查看已记录")


# -- people ----------------------------------------------------------------------------------


class PersonQuery(PageQuery):
    q: str = Field(
        "", max_length=60, description="姓名（前缀）、完整身份证号或手机号、证件号后四位"
    )
    qh: str = Field(
        "", pattern=r"^([0-9a-f]{64})?$", description="完整证件号码或电话的检索散列（页面链接用）"
    )
    region: str = Field("", pattern=r"^([0-9]{2,18})?$", description="区划路径（含下级）")
    kind: Literal[("", *c.PersonKind.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.PersonKind)
    )
    residence_status: Literal[("", *c.ResidenceStatus.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.ResidenceStatus)
    )
    gender: Literal["", "male", "female"] = ""
    tag: str = Field("", max_length=30, description="标签代码")
    group: str = Field("", max_length=30, description="标签组代码")
    party: Literal["", "0", "1"] = Field("", description="1 党员 / 0 非党员")
    state: Literal[("", *c.PersonState.values)] = Field(  # type: ignore[valid-type]
        "active", description="默认在册；空值为全部"
    )
    age_min: int | None = Field(None, ge=0, le=150)
    age_max: int | None = Field(None, ge=0, le=150)
    household_no: str = Field("", max_length=30)
    room: int | None = Field(None, ge=1, le=MAX_ID, description="房屋编号")


class PersonOut(Schema):
    id: int
    name: str
    id_type: str
    id_type_label: str
    id_masked: str = Field(..., description="脱敏证件号码；完整号码须经 reveal 查看")
    gender: str
    gender_label: str
    birth_date: dt.date
    age: int
    phone_masked: str = Field(..., description="脱敏联系电话")
    ethnicity: str
    hukou_place: str
    kind: str
    kind_label: str
    residence_status: str
    residence_status_label: str
    household_no: str
    relation: str
    relation_label: str
    is_party_member: bool
    workplace: str
    state: str
    state_label: str
    note: str
    region: PlaceOut
    room: RoomRef | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    may_reveal: bool = Field(..., description="调用者能否查看此人的完整证件号码和电话")


class PersonTagOut(TagRef):
    set_at: dt.datetime
    set_by: str | None
    reason: str


class PersonDetailOut(PersonOut):
    tags: list[PersonTagOut] = Field(..., description="敏感标签只对可查看个人信息的岗位列出")
    household: list[PersonBrief] = Field(..., description="同户在册人员")


class PersonList(Page):
    items: list[PersonOut]


_PERSON_CODES = {
    "id_type": choice_codes(c.IdType),
    "kind": choice_codes(c.PersonKind),
    "residence_status": choice_codes(c.ResidenceStatus),
    "relation": choice_codes(c.Relation),
}


class PersonIn(Schema):
    name: str = Field(..., max_length=200)
    id_type: str = Field("resident_id", max_length=50, description=_PERSON_CODES["id_type"])
    id_number: str = Field(..., max_length=40)
    gender: str = Field("", max_length=50, description="身份证号码已含性别，可不填")
    birth_date: dt.date | None = Field(None, description="身份证号码已含出生日期，可不填")
    phone: str = Field("", max_length=40)
    ethnicity: str = Field("", max_length=200)
    hukou_place: str = Field("", max_length=1000)
    kind: str = Field("registered", max_length=50, description=_PERSON_CODES["kind"])
    residence_status: str = Field(
        "together", max_length=50, description=_PERSON_CODES["residence_status"]
    )
    household_no: str = Field("", max_length=200)
    relation: str = Field("", max_length=50, description=_PERSON_CODES["relation"])
    is_party_member: bool = False
    workplace: str = Field("", max_length=1000)
    note: str = Field("", max_length=1000)
    region: str | None = Field(None, max_length=30, description="所在网格或楼栋的路径（代码）")
    room: int | None = optional_id("居住房屋编号（给出时以房屋所在楼栋为准）")
    reason: str = Field("", max_length=1000)


class PersonPatch(Schema):
    """Only the fields given change; ``region`` or ``room`` moves the person."""

    name: str | None = Field(None, max_length=200)
    id_type: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=40)
    gender: str | None = Field(None, max_length=50)
    birth_date: dt.date | None = None
    phone: str | None = Field(None, max_length=40, description="空值为删除电话")
    ethnicity: str | None = Field(None, max_length=200)
    hukou_place: str | None = Field(None, max_length=1000)
    kind: str | None = Field(None, max_length=50)
    residence_status: str | None = Field(None, max_length=50)
    household_no: str | None = Field(None, max_length=200)
    relation: str | None = Field(None, max_length=50)
    is_party_member: bool | None = None
    workplace: str | None = Field(None, max_length=1000)
    note: str | None = Field(None, max_length=1000)
    region: str | None = Field(None, max_length=30)
    room: int | None = optional_id("居住房屋编号")
    expected_version: int | None = Field(None, ge=1, le=MAX_ID, description="乐观锁")
    reason: str = Field("", max_length=1000)


class PersonRemoveIn(ReasonIn):
    state: str = Field(..., max_length=50, description="moved_out（已迁出）或 deceased（已死亡）")


class TagIn(ReasonIn):
    tag: str = Field(..., max_length=30, description="标签代码")


class ChangeOut(Schema):
    id: int
    action: str
    action_label: str
    actor: str | None
    at: dt.datetime
    before: dict[str, Any] = Field(..., description="修改前（受保护的值只有脱敏形式）")
    after: dict[str, Any]
    reason: str


class TagEventOut(Schema):
    tag: TagRef
    action: str
    action_label: str
    actor: str | None
    at: dt.datetime
    reason: str


class RevealRecordOut(Schema):
    actor: str
    field: str
    field_label: str
    reason: str
    at: dt.datetime


# -- rooms and tenancies ---------------------------------------------------------------------


class RoomQuery(PageQuery):
    q: str = Field("", max_length=60, description="房号（完整）或产权人姓名（前缀）")
    region: str = Field("", pattern=r"^([0-9]{2,18})?$")
    use: Literal[("", *c.RoomUse.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.RoomUse)
    )
    occupancy: Literal[("", *c.Occupancy.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.Occupancy)
    )


class RoomOut(Schema):
    id: int
    building: PlaceOut
    unit: str
    number: str
    label: str
    use: str
    use_label: str
    area_m2: str | None = Field(..., description="两位小数")
    owner: PersonRef | None
    owner_name: str
    occupancy: str
    occupancy_label: str
    note: str
    residents_count: int = Field(..., description="在册居住人数（辖区内）")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TenancyOut(Schema):
    id: int
    room: RoomRef
    tenant: PersonBrief
    starts_on: dt.date
    ends_on: dt.date | None
    ended_on: dt.date | None
    purpose: str
    current: bool
    created_at: dt.datetime


class RoomDetailOut(RoomOut):
    tenancies: list[TenancyOut] = Field(..., description="当前租住登记")
    residents: list[PersonBrief] = Field(..., description="在册居住人员（脱敏）")


class RoomList(Page):
    items: list[RoomOut]


class RoomIn(Schema):
    building: str = Field(..., max_length=30, description="楼栋（屯）的路径或代码")
    unit: str = Field("", max_length=200)
    number: str = Field(..., max_length=200)
    use: str = Field("home", max_length=50, description=choice_codes(c.RoomUse))
    area_m2: float | None = Field(None, allow_inf_nan=False, description="平方米")
    owner_name: str = Field("", max_length=1000)
    occupancy: str = Field("owner", max_length=50, description=choice_codes(c.Occupancy))
    note: str = Field("", max_length=1000)


class RoomPatch(Schema):
    unit: str | None = Field(None, max_length=200)
    number: str | None = Field(None, max_length=200)
    use: str | None = Field(None, max_length=50)
    area_m2: float | None = Field(None, allow_inf_nan=False)
    owner_name: str | None = Field(None, max_length=1000)
    occupancy: str | None = Field(None, max_length=50)
    note: str | None = Field(None, max_length=1000)
    expected_version: int | None = Field(None, ge=1, le=MAX_ID, description="乐观锁")


class TenancyIn(Schema):
    tenant_id: int = record_id("承租人（登记人口）编号")
    starts_on: dt.date
    ends_on: dt.date | None = None
    purpose: str = Field("", max_length=1000)
    move_in: bool = Field(True, description="同时把承租人的居住房屋改为此房屋")


class TenancyEndIn(Schema):
    ended_on: dt.date | None = Field(None, description="默认今天")


# -- organisations ---------------------------------------------------------------------------


class OrganisationQuery(PageQuery):
    q: str = Field("", max_length=60, description="名称（包含）或完整统一社会信用代码")
    region: str = Field("", pattern=r"^([0-9]{2,18})?$")
    kind: Literal[("", *c.OrgKind.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.OrgKind)
    )
    state: Literal[("", *c.OrgState.values)] = Field(  # type: ignore[valid-type]
        "", description=choice_codes(c.OrgState)
    )
    dedicated: Literal["", "1"] = Field("", description="1：只列有专属网格的")


class OrganisationOut(Schema):
    id: int
    credit_code: str
    name: str
    kind: str
    kind_label: str
    legal_rep: str = Field(..., description="不能查看个人信息的岗位看到脱敏姓名")
    phone_masked: str
    address: str
    region: PlaceOut
    dedicated_grid: PlaceOut | None
    employees: int
    industry: str
    founded_on: dt.date | None
    state: str
    state_label: str
    note: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    may_reveal: bool


class OrganisationList(Page):
    items: list[OrganisationOut]


class OrganisationIn(Schema):
    credit_code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=1000)
    kind: str = Field(..., max_length=50, description=choice_codes(c.OrgKind))
    legal_rep: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=1000)
    region: str = Field(..., max_length=30, description="所在网格或楼栋的路径（代码）")
    dedicated_grid: str | None = Field(None, max_length=30, description="专属网格路径")
    employees: int | None = Field(None, description="从业人数")
    industry: str = Field("", max_length=200)
    founded_on: dt.date | None = None
    state: str = Field("operating", max_length=50, description=choice_codes(c.OrgState))
    note: str = Field("", max_length=1000)


class OrganisationPatch(Schema):
    credit_code: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=1000)
    kind: str | None = Field(None, max_length=50)
    legal_rep: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=1000)
    region: str | None = Field(None, max_length=30)
    dedicated_grid: str | None = Field(None, max_length=30)
    employees: int | None = None
    industry: str | None = Field(None, max_length=200)
    founded_on: dt.date | None = None
    state: str | None = Field(None, max_length=50)
    note: str | None = Field(None, max_length=1000)
    expected_version: int | None = Field(None, ge=1, le=MAX_ID, description="乐观锁")


# -- tags, key groups ------------------------------------------------------------------------


class CatalogueTagOut(Schema):
    code: str
    name: str
    visit_every_days: int | None


class TagGroupOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    sensitive: bool
    tags: list[CatalogueTagOut]


class KeyGroupOut(Schema):
    tag: TagRef
    count: int


# -- care contracts and visits ---------------------------------------------------------------


class ContractQuery(PageQuery):
    state: Literal["", "active", "ended"] = Field("active", description="空值为全部")
    carer: int | None = Field(None, ge=1, le=MAX_ID, description="结对责任人（用户编号）")
    person: int | None = Field(None, ge=1, le=MAX_ID, description="服务对象编号")


class ContractOut(Schema):
    id: int
    person: PersonRef
    tag: TagRef | None = Field(..., description="敏感类别只对可查看个人信息的岗位显示")
    carer: UserRef
    services: str
    visit_every_days: int
    starts_on: dt.date
    ends_on: dt.date | None
    state: str
    state_label: str
    last_visit_at: dt.datetime | None
    next_visit_due: dt.date | None = Field(..., description="下次应走访日期")
    overdue: bool = Field(..., description="履约中且下次应走访日期已过")
    created_at: dt.datetime


class ContractList(Page):
    items: list[ContractOut]


class ContractIn(Schema):
    person_id: int = record_id("服务对象编号")
    carer_id: int = record_id("结对责任人（用户编号）")
    services: str = Field(..., max_length=1000)
    visit_every_days: int = Field(..., description="走访周期（天），1–366")
    starts_on: dt.date
    ends_on: dt.date | None = None
    tag: str = Field("", max_length=30, description="关爱类别（标签代码）")


class VisitQuery(PageQuery):
    person: int | None = Field(None, ge=1, le=MAX_ID)
    room: int | None = Field(None, ge=1, le=MAX_ID)
    organisation: int | None = Field(None, ge=1, le=MAX_ID)
    visitor: int | None = Field(None, ge=1, le=MAX_ID, description="走访人（用户编号）")
    region: str = Field("", pattern=r"^([0-9]{2,18})?$")


class VisitOut(Schema):
    id: int
    visited_at: dt.datetime
    kind: str
    kind_label: str
    result: str
    result_label: str
    findings: str
    person: PersonRef | None
    room: RoomRef | None
    organisation: OrganisationRef | None
    contract_id: int | None
    visitor: UserRef
    follow_up_case: str | None = Field(..., description="转办案件编号")
    lng: float | None
    lat: float | None
    created_at: dt.datetime


class VisitList(Page):
    items: list[VisitOut]


class VisitIn(Schema):
    kind: str = Field(..., max_length=50, description=choice_codes(c.VisitKind))
    result: str = Field(..., max_length=50, description=choice_codes(c.VisitResult))
    findings: str = Field("", max_length=5000)
    person_id: int | None = optional_id("走访对象（人员）")
    room_id: int | None = optional_id("房屋")
    organisation_id: int | None = optional_id("单位")
    contract_id: int | None = optional_id("关爱合约")
    visited_at: dt.datetime | None = Field(None, description="默认现在；无时区时按北京时间")
    follow_up_case: str = Field("", max_length=30, description="转办案件编号")
    lng: float | None = Field(None, allow_inf_nan=False)
    lat: float | None = Field(None, allow_inf_nan=False)


class HistoryOut(Schema):
    changes: list[ChangeOut]
    tag_events: list[TagEventOut]
    visits: list[VisitOut]
    reveals: list[RevealRecordOut] | None = Field(
        ..., description="个人信息查看记录；调用者不能查看此人个人信息时为 null"
    )
