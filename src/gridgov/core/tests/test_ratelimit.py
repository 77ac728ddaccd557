from __future__ import annotations

import time
import uuid

import pytest

from gridgov.core.ratelimit import Limit, RateLimited, hit


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000.0}
    monkeypatch.setattr(time, "time", lambda: now["t"])  # the module reads time.time()
    return now


def test_the_limit_holds_across_a_window_boundary(clock):
    key = uuid.uuid4().hex
    limit = Limit(3, 60)
    clock["t"] = 1_800_000_000 // 60 * 60 + 59.0  # the last second of a window
    for _ in range(3):
        hit("test", key, limit)
    clock["t"] += 2  # the next window has begun
    with pytest.raises(RateLimited) as refused:
        hit("test", key, limit)
    assert 1 <= refused.value.retry_after <= 60


def test_the_previous_window_fades_out(clock):
    key = uuid.uuid4().hex
    limit = Limit(3, 60)
    start = 1_800_000_000 // 60 * 60
    clock["t"] = start + 1.0
    for _ in range(3):
        hit("test", key, limit)
    clock["t"] = start + 60 + 45.0  # three quarters into the next window: 3 × 0.25 still count
    hit("test", key, limit)  # 1 + 0.75
    hit("test", key, limit)  # 2 + 0.75
    with pytest.raises(RateLimited):
        hit("test", key, limit)  # 3 + 0.75 > 3
    clock["t"] = start + 180.0  # two windows later: nothing counts
    hit("test", key, limit)
