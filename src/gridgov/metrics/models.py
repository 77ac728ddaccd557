"""Rollups of the case figures, kept up to date by every case action."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseRollup(models.Model):
    """Sums of the measures of the cases received on one day in one village (or higher region
    for cases placed there), of one item and channel, now in one status. Only the case engine
    writes it, with each action's difference, in the action's transaction; ``gridgov
    rebuild-rollups`` rebuilds it from the case events."""

    day = models.DateField(_("上报日期"))
    region_path = models.CharField(_("区划路径"), max_length=12)
    item = models.ForeignKey("cases.Item", on_delete=models.PROTECT, related_name="+")
    board = models.ForeignKey("cases.Board", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("渠道"), max_length=16)
    status = models.CharField(_("状态"), max_length=16)
    received = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    signed_on_time = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    reachable_closed = models.IntegerField(default=0)
    called_back = models.IntegerField(default=0)
    called_back_any = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    supervised = models.IntegerField(default=0)
    solved_village = models.IntegerField(default=0)
    solved_township = models.IntegerField(default=0)
    solved_county = models.IntegerField(default=0)
    self_handled = models.IntegerField(default=0)
    handle_seconds = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region_path", "item", "channel", "status"],
                name="rollup_key",
            ),
        ]
        indexes = [models.Index(fields=["day", "region_path"], name="rollup_day_region")]

    def __str__(self) -> str:
        return f"{self.day} {self.region_path} {self.item_id} {self.channel} {self.status}"
