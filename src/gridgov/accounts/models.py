"""Staff users, departments and posts (岗位: a role at a region node or in a department)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role
from gridgov.core.jurisdiction import JurisdictionFields, Scope, paths_q

if TYPE_CHECKING:
    from gridgov.core.jurisdiction import Action


class User(AbstractUser):
    """A member of staff. Residents have separate public accounts (see the API issue)."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    employee_no = models.CharField(_("工号"), max_length=32, blank=True)

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    @classmethod
    def restrict_to_scope(
        cls, queryset: models.QuerySet[User], scope: Scope, action: Action, user: Any
    ) -> models.QuerySet[User]:
        """Users are visible where one of their current posts is."""
        posts = Post.objects.current().filter(Post.scope_filter(scope, action))
        return queryset.filter(Q(pk__in=posts.values("user_id")) | Q(pk=user.pk))


class Department(models.Model):
    """A functional department (职能部门) or a township office, serving a region subtree."""

    class Kind(models.TextChoices):
        FUNCTIONAL = "functional", _("职能部门")
        TOWNSHIP_OFFICE = "township_office", _("乡镇（街道）站所")
        UTILITY = "utility", _("公共服务企事业单位")
        OTHER = "other", _("其他单位")
        PARTY = "party", _("党组织")

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.FUNCTIONAL)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("服务区域"),
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("本部门负责的区划（含其下级）"),
    )
    duty = models.TextField(_("职责"), blank=True)
    phone = models.CharField(_("值班电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = JurisdictionFields(
        region_path="region__path", department="id"
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["region__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_to_scope(
        cls, queryset: models.QuerySet[Department], scope: Scope, action: Action, user: Any
    ) -> models.QuerySet[Department]:
        """Departments inside the user's territory, those serving a region above it
        (a township dispatches to county departments), and the user's own."""
        from gridgov.regions import codes

        above = {prefix for root in scope.paths(action) for prefix in codes.ancestor_paths(root)}
        above.update(scope.paths(action))
        q = paths_q(scope.paths(action), "region__path") | Q(region__path__in=sorted(above))
        return queryset.filter(q | Q(pk__in=sorted(scope.departments(action))))


class PostQuerySet(models.QuerySet["Post"]):
    def current(self) -> PostQuerySet:
        today = timezone.localdate()
        return self.filter(is_active=True, starts_on__lte=today).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        )


class Post(models.Model):
    """岗位: one role held by one user at one region node and/or in one department."""

    user = models.ForeignKey(
        User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="posts"
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所在部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
    )
    title = models.CharField(_("职务"), max_length=60, blank=True)
    starts_on = models.DateField(_("任职日期"), default=timezone.localdate)
    ends_on = models.DateField(_("离任日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PostQuerySet.as_manager()
    jurisdiction_fields: ClassVar[JurisdictionFields] = JurisdictionFields(
        region_path="region__path", department="department_id"
    )

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False) | Q(department__isnull=False),
                name="post_has_region_or_department",
            ),
        ]
        indexes = [models.Index(fields=["role", "region"], name="post_role_region")]

    def __str__(self) -> str:
        where = self.region.name if self.region_id and self.region else ""
        if self.department_id and self.department:
            where = f"{where} {self.department.name}".strip()
        return f"{self.get_role_display()}·{where}"

    def clean(self) -> None:
        from gridgov.accounts.rules import check_post

        check_post(role=self.role, region=self.region, department=self.department)

    @staticmethod
    def scope_filter(scope: Scope, action: Action) -> Q:
        q = paths_q(scope.paths(action), "region__path")
        if scope.departments(action):
            q |= Q(department_id__in=sorted(scope.departments(action)))
        return q


class IntegrationClient(models.Model):
    """An outside system that talks to gridgov: a 12345 hotline platform, the big screen, an
    upper-level platform, an Open311 client. It acts through a service account holding an
    ``integration`` post at its region, so the one jurisdiction function scopes it too."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        User, verbose_name=_("服务账号"), on_delete=models.PROTECT, related_name="client"
    )
    channel = models.CharField(
        _("案件来源渠道"),
        max_length=16,
        default="hotline",
        help_text=_("经此系统上报的案件记为哪个渠道"),
    )
    api_key_prefix = models.CharField(max_length=12, unique=True)
    api_key_hash = models.CharField(max_length=64)
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token for an app or an integration: shown once, stored hashed, with an expiry,
    revocable. It belongs to a staff user, an integration client or a resident."""

    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(_("用途"), max_length=100, blank=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    client = models.ForeignKey(
        IntegrationClient, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens"
    )
    resident = models.ForeignKey(
        "accounts.Resident", on_delete=models.CASCADE, null=True, blank=True, related_name="tokens"
    )
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, client__isnull=True, resident__isnull=True)
                    | Q(user__isnull=True, client__isnull=False, resident__isnull=True)
                    | Q(user__isnull=True, client__isnull=True, resident__isnull=False)
                ),
                name="token_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Resident(models.Model):
    """A member of the public, known by phone number (logged in with a one-time code). The
    number itself is not stored: a keyed hash finds the account, a masked copy is shown."""

    phone_hash = models.CharField(max_length=64, unique=True)
    phone_masked = models.CharField(_("手机号"), max_length=20)
    display_name = models.CharField(_("称呼"), max_length=50, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("最近登录"), null=True, blank=True)

    class Meta:
        verbose_name = _("群众账号")
        verbose_name_plural = _("群众账号")

    def __str__(self) -> str:
        return self.display_name or self.phone_masked

    @property
    def is_authenticated(self) -> bool:
        return True


class OneTimeCode(models.Model):
    """A login code sent by SMS: hashed, short-lived, a few attempts."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")

    def __str__(self) -> str:
        return f"{self.phone_hash[:8]}… {self.created_at:%H:%M}"
