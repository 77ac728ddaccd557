from __future__ import annotations

import pytest

from gridgov.core.audit import record
from gridgov.core.models import AuditEntry
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db


def test_audit_entries_are_append_only():
    entry = record(
        actor=None, action="test", obj=Region.objects.get(path="220283"), changes={"a": 1}
    )
    assert entry.object_type == "regions.region"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
