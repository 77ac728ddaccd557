from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.core.jurisdiction import restrict
from gridgov.core.models import AuditEntry, OutboxMessage, WebhookSubscription


class JurisdictionAdminMixin:
    """Admin lists, edits and foreign-key choices stay inside the user's jurisdiction."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return restrict(queryset, request.user)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        model = db_field.related_model
        if not isinstance(model, str) and (
            hasattr(model, "jurisdiction_fields") or hasattr(model, "restrict_to_scope")
        ):
            kwargs.setdefault("queryset", restrict(model._default_manager.all(), request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ViewOnlyAdminMixin(JurisdictionAdminMixin):
    """Look, never write: records that change only through the services, listed inside the
    user's jurisdiction."""

    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ("at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- webhooks --------------------------------------------------------------------------------


class WebhookSubscriptionForm(forms.ModelForm[WebhookSubscription]):
    """Checks the URL and the actions as ``webhooks.subscribe`` does."""

    url = forms.CharField(label=_("推送地址"), max_length=500)

    class Meta:
        model = WebhookSubscription
        fields = ("client", "url", "actions", "is_active")

    def clean_url(self) -> str:
        from gridgov.core import webhooks

        return webhooks.check_url(self.cleaned_data.get("url") or "")

    def clean_actions(self) -> list[str]:
        from gridgov.core import webhooks

        return webhooks.check_actions(self.cleaned_data.get("actions"))


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(JurisdictionAdminMixin, admin.ModelAdmin[WebhookSubscription]):
    form = WebhookSubscriptionForm
    list_display = ("id", "client", "url", "actions", "is_active", "created_at")
    list_filter = ("is_active", "client")
    search_fields = ("url", "client__name", "client__code")
    list_select_related = ("client",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("client", "created_at") if obj is not None else ("created_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # switch it off instead: its messages stay as the record

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        from gridgov.core import audit, webhooks

        if change:
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action="webhook_change",
                obj=obj,
                changes={"url": obj.url, "actions": obj.actions, "is_active": obj.is_active},
            )
            return
        obj.secret = webhooks.new_secret()
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="webhook_subscribe",
            obj=obj,
            changes={"url": obj.url, "actions": obj.actions},
        )
        messages.warning(
            request,
            gettext("签名密钥（只显示这一次，请转交接入系统妥善保存）：%(secret)s")
            % {"secret": obj.secret},
        )


class DeliveryStateFilter(admin.SimpleListFilter):
    title = _("投递状态")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("待投递")), ("delivered", _("已投递")), ("failed", _("已放弃"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "pending":
            return queryset.filter(delivered_at__isnull=True, failed_at__isnull=True)
        if value == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        if value == "failed":
            return queryset.filter(failed_at__isnull=False, delivered_at__isnull=True)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(JurisdictionAdminMixin, admin.ModelAdmin[OutboxMessage]):
    list_display = (
        "id",
        "event_key",
        "event_type",
        "subscription",
        "state_label",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "failed_at",
        "last_status",
        "last_error",
    )
    list_filter = (DeliveryStateFilter, "subscription__client")
    search_fields = ("event_key", "delivery_id")
    list_select_related = ("subscription",)
    date_hierarchy = "created_at"
    actions = ("requeue",)
    readonly_fields = (
        "subscription",
        "case_event",
        "delivery_id",
        "event_key",
        "payload",
        "created_at",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "failed_at",
        "last_status",
        "last_error",
    )

    @admin.display(description=_("类型"))
    def event_type(self, obj: OutboxMessage) -> str:
        return str(obj.payload.get("type", ""))

    @admin.display(description=_("状态"))
    def state_label(self, obj: OutboxMessage) -> str:
        labels = {"pending": _("待投递"), "delivered": _("已投递"), "failed": _("已放弃")}
        return str(labels[obj.state])

    @admin.action(description=_("重新投递"), permissions=["change"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        from gridgov.core import webhooks

        count = webhooks.requeue(queryset, actor=request.user)
        self.message_user(
            request,
            gettext("已重新排队 %(n)s 条推送消息（已投递成功的不会重发）") % {"n": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox is the record of what was owed and sent

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only form; the list's action needs change permission on the model.
        return obj is None and super().has_change_permission(request, obj)
