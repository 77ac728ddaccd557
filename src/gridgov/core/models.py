"""Append-only audit trail of administrative changes (等保: who changed what, when, from where)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core.jurisdiction import JurisdictionFields


class AuditEntry(models.Model):
    """One administrative change. Rows are only ever inserted (see ``save`` and ``delete``)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=40)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象编号"), max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("audit entries are append-only")


# ---------------------------------------------------------------------------------------------
# Webhooks for integration clients (see gridgov.core.webhooks and docs/webhooks.md)
# ---------------------------------------------------------------------------------------------


class WebhookSubscription(models.Model):
    """An integration client's request to be told about case events, by HTTP POST to ``url``.

    ``secret`` signs every delivery (HMAC-SHA256); it is shown to the client once, when the
    subscription is created, and kept as given because signing needs it."""

    client = models.ForeignKey(
        "accounts.IntegrationClient",
        verbose_name=_("接入系统"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("推送地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100, editable=False)
    actions = models.JSONField(
        _("订阅的操作"), default=list, help_text=_('案件操作名称列表，["*"] 表示全部')
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = JurisdictionFields(
        region_path="client__region__path"
    )

    class Meta:
        verbose_name = _("推送订阅")
        verbose_name_plural = _("推送订阅")
        ordering = ["client_id", "id"]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.url}"

    def wants(self, action: str) -> bool:
        """Whether this subscription asks for events of ``action``."""
        return "*" in self.actions or action in self.actions


class OutboxMessage(models.Model):
    """One webhook delivery owed to one subscription for one case event (transactional
    outbox): written in the same transaction as the event, sent later by the worker."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("推送订阅"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    case_event = models.ForeignKey(
        "cases.CaseEvent",
        verbose_name=_("案件记录"),
        on_delete=models.PROTECT,
        related_name="outbox_messages",
    )
    delivery_id = models.UUIDField(_("投递编号"), default=uuid.uuid4, unique=True, editable=False)
    event_key = models.CharField(_("事件编号"), max_length=40)
    payload = models.JSONField(_("内容"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次投递时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("投递成功时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    last_status = models.PositiveSmallIntegerField(_("最近响应状态码"), null=True, blank=True)

    jurisdiction_fields: ClassVar[JurisdictionFields] = JurisdictionFields(
        region_path="case_event__case__region_path"
    )

    class Meta:
        verbose_name = _("推送消息")
        verbose_name_plural = _("推送消息")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "case_event"], name="outbox_one_per_event"
            ),
        ]
        indexes = [
            # The worker's query: due and still pending. Partial, so it stays small however
            # many delivered messages accumulate.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="outbox_due",
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.subscription_id}"

    @property
    def state(self) -> str:
        """``delivered``, ``failed`` or ``pending``."""
        if self.delivered_at is not None:
            return "delivered"
        if self.failed_at is not None:
            return "failed"
        return "pending"
