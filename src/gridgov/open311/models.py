"""The one table of the Open311 endpoint: the token handed back for each service request."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Token(models.Model):
    """A token for ``tokens/<token>``: maps to the case created by one POST request."""

    token = models.CharField(_("令牌"), max_length=32, unique=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        "accounts.IntegrationClient",
        verbose_name=_("接入系统"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    account_id = models.CharField(_("对方账号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 令牌")
        verbose_name_plural = _("Open311 令牌")

    def __str__(self) -> str:
        return self.token
