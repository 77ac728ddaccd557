from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import ApiToken, Department, IntegrationClient, Post, Resident, User
from gridgov.core.admin import JurisdictionAdminMixin
from gridgov.core.jurisdiction import forget_scope


class PostInline(JurisdictionAdminMixin, admin.TabularInline[Post, User]):
    model = Post
    extra = 0
    fields = ("role", "region", "department", "title", "starts_on", "ends_on", "is_active")
    raw_id_fields = ("region", "department")


@admin.register(User)
class UserAdmin(JurisdictionAdminMixin, DjangoUserAdmin[User]):
    list_display = ("username", "full_name", "employee_no", "is_active", "is_staff", "last_login")
    search_fields = ("username", "full_name", "employee_no")
    list_filter = ("is_active", "is_staff", "posts__role")
    inlines = [PostInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "employee_no", "email")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")},
        ),
    )
    list_per_page = 50
    show_full_result_count = False

    def save_formset(
        self,
        request: HttpRequest,
        form: Any,
        formset: BaseInlineFormSet[Any, Any, Any],
        change: bool,
    ) -> None:
        super().save_formset(request, form, formset, change)
        forget_scope(form.instance)


@admin.register(Department)
class DepartmentAdmin(JurisdictionAdminMixin, admin.ModelAdmin[Department]):
    list_display = ("code", "name", "kind", "region", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")
    raw_id_fields = ("region",)


@admin.register(Post)
class PostAdmin(JurisdictionAdminMixin, admin.ModelAdmin[Post]):
    list_display = ("user", "role", "region", "department", "title", "starts_on", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__full_name", "region__name", "department__name")
    raw_id_fields = ("user", "region", "department")
    list_select_related = ("user", "region", "department")
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_scope(obj.user)


@admin.register(IntegrationClient)
class IntegrationClientAdmin(admin.ModelAdmin[IntegrationClient]):
    """Clients are created with `gridgov create-client` (which shows the key once); here they
    can be looked at, switched off or moved."""

    list_display = ("code", "name", "region", "channel", "is_active", "created_at")
    list_filter = ("is_active", "channel")
    search_fields = ("code", "name")
    readonly_fields = ("user", "api_key_prefix", "api_key_hash", "created_at")
    exclude = ()
    raw_id_fields = ("region",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = (
        "prefix",
        "name",
        "user",
        "client",
        "resident",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username", "client__code")
    readonly_fields = (
        "prefix",
        "secret_hash",
        "user",
        "client",
        "resident",
        "created_at",
        "last_used_at",
    )
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        from gridgov.accounts.tokens import revoke_token

        for token in queryset:
            revoke_token(token=token, actor=request.user)  # type: ignore[arg-type]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin[Resident]):
    list_display = ("phone_masked", "display_name", "is_active", "created_at", "last_login_at")
    list_filter = ("is_active",)
    search_fields = ("display_name", "phone_masked")
    readonly_fields = ("phone_hash", "phone_masked", "created_at", "last_login_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
