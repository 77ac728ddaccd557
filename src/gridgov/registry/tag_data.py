"""The default tag catalogue: GB/T 31000-2015 special groups and key youth, the care groups
of the articles (elderly living alone, left-behind children, disabled, veterans, migrant workers
away from home) and common service tags. ``load_default_tags`` is idempotent."""

from __future__ import annotations

from django.db import transaction

# (group code, name, kind, sensitive, [(tag code, name, visit every N days or None)])
TAG_GROUPS: list[tuple[str, str, str, bool, list[tuple[str, str, int | None]]]] = [
    (
        "special",
        "特殊人群",
        "special",
        True,
        [
            ("community_correction", "社区矫正对象", 7),
            ("released_prisoner", "刑满释放人员", 30),
            ("drug_user", "吸毒人员", 7),
            ("mental_disorder", "严重精神障碍患者", 14),
            ("aids", "艾滋病危险人员", 30),
        ],
    ),
    (
        "key_youth",
        "重点青少年",
        "special",
        True,
        [
            ("idle_youth", "闲散青少年", 30),
            ("bad_behaviour_youth", "有不良行为青少年", 14),
            ("runaway_youth", "流浪乞讨未成年人", 7),
            ("crime_victim_child", "服刑在教人员未成年子女", 30),
        ],
    ),
    (
        "elderly",
        "老年人关爱",
        "care",
        False,
        [
            ("elderly_alone", "独居老人", 7),
            ("elderly_empty_nest", "空巢老人", 14),
            ("elderly_80", "80岁以上高龄老人", 14),
            ("elderly_disabled", "失能半失能老人", 7),
        ],
    ),
    (
        "children",
        "未成年人关爱",
        "care",
        False,
        [
            ("left_behind_child", "留守儿童", 14),
            ("orphan", "孤儿和事实无人抚养儿童", 14),
        ],
    ),
    (
        "disabled",
        "残疾人",
        "care",
        False,
        [
            ("disabled_severe", "重度残疾人", 14),
            ("disabled", "持证残疾人", 30),
        ],
    ),
    (
        "hardship",
        "困难群体",
        "care",
        False,
        [
            ("low_income", "低保对象", 30),
            ("extreme_poverty", "特困供养人员", 14),
            ("serious_illness", "大病患者家庭", 30),
            ("monitored_household", "防返贫监测户", 30),
        ],
    ),
    (
        "veterans",
        "退役军人和优抚对象",
        "care",
        False,
        [
            ("veteran", "退役军人", 90),
            ("martyr_family", "烈属", 30),
            ("entitled_group", "重点优抚对象", 30),
        ],
    ),
    (
        "migrant",
        "外出务工",
        "care",
        False,
        [
            ("migrant_worker", "外出务工人员", None),
            ("migrant_family", "外出务工人员留守家属", 30),
        ],
    ),
    (
        "attention",
        "重点关注",
        "attention",
        False,
        [
            ("petitioner", "信访重点人员", 14),
            ("dispute_party", "矛盾纠纷当事人", 14),
            ("rental_tenant", "出租房屋承租人", None),
            ("foreign_resident", "境外人员", 30),
        ],
    ),
    (
        "service",
        "服务管理",
        "service",
        False,
        [
            ("party_member", "党员", None),
            ("volunteer", "志愿者", None),
            ("grid_informant", "楼栋长/信息员", None),
            ("new_resident", "新迁入人员", None),
        ],
    ),
]


@transaction.atomic
def load_default_tags() -> int:
    """Create the groups and tags that are missing; returns how many tags were created."""
    from gridgov.registry.models import Tag, TagGroup

    created = 0
    for order, (code, name, kind, sensitive, tags) in enumerate(TAG_GROUPS, start=1):
        group, _new = TagGroup.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "sensitive": sensitive, "order": order},
        )
        for tag_order, (tag_code, tag_name, every) in enumerate(tags, start=1):
            _tag, made = Tag.objects.get_or_create(
                code=tag_code,
                defaults={
                    "group": group,
                    "name": tag_name,
                    "visit_every_days": every,
                    "order": tag_order,
                },
            )
            created += made
    return created
