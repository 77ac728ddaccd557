"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from gridgov.core.models import AuditEntry


def record(
    *, actor: Any, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one audit entry for ``obj``; ``actor`` may be None for system jobs."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )
