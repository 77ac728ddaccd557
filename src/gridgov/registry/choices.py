from django.db import models
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_PERMIT = "hmt_permit", _("港澳台居民居住证")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")
    PASSPORT = "passport", _("护照")


# Documents whose number follows GB 11643 (birth date, gender and check character inside).
CHECKED_ID_TYPES = frozenset({IdType.RESIDENT_ID, IdType.HMT_PERMIT, IdType.FOREIGN_PR})


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class PersonKind(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    UNSETTLED = "unsettled", _("未落户人员")
    FOREIGN = "foreign", _("境外人员")


class ResidenceStatus(models.TextChoices):
    TOGETHER = "together", _("人户同在")
    AWAY = "away", _("户在人不在")
    NOT_REGISTERED_HERE = "not_here", _("人在户不在")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class PersonState(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已死亡")


class RoomUse(models.TextChoices):
    HOME = "home", _("住宅")
    SHOP = "shop", _("商铺")
    OFFICE = "office", _("办公")
    FACTORY = "factory", _("厂房")
    STORAGE = "storage", _("仓储")
    OTHER = "other", _("其他")


class Occupancy(models.TextChoices):
    OWNER = "owner", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    OTHER = "other", _("其他")


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    SOCIAL = "social", _("社会组织")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    GOVERNMENT = "government", _("机关事业单位")
    OTHER = "other", _("其他")


class OrgState(models.TextChoices):
    OPERATING = "operating", _("在营")
    SUSPENDED = "suspended", _("停业")
    CLOSED = "closed", _("注销")


class TagGroupKind(models.TextChoices):
    SPECIAL = "special", _("特殊人群")
    CARE = "care", _("关爱对象")
    ATTENTION = "attention", _("重点关注")
    SERVICE = "service", _("服务管理")


class TagAction(models.TextChoices):
    SET = "set", _("标注")
    REMOVED = "removed", _("取消")


class ContractState(models.TextChoices):
    ACTIVE = "active", _("履约中")
    ENDED = "ended", _("已结束")


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("日常走访")
    CARE = "care", _("关爱走访")
    RENTAL = "rental", _("出租房屋检查")
    ORGANISATION = "organisation", _("单位走访")
    VERIFY = "verify", _("信息核实")


class VisitResult(models.TextChoices):
    NORMAL = "normal", _("情况正常")
    PROBLEM = "problem", _("发现问题")
    NOBODY = "nobody", _("无人在家")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("注销")
    IMPORT = "import", _("导入")


class RevealField(models.TextChoices):
    ID_NUMBER = "id_number", _("证件号码")
    PHONE = "phone", _("联系电话")
