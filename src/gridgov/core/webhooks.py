"""Webhooks for integration clients: a transactional outbox and its delivery worker.

``enqueue_case_event`` writes one :class:`OutboxMessage` per interested subscription in the
transaction that writes the case event, so a message exists exactly when its event does.
``deliver_due`` sends what is due, at least once, with a delivery id that stays the same across
retries (receivers drop duplicates by it). See ``docs/webhooks.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import IntegrationClient
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.workflow import Action
from gridgov.core import audit
from gridgov.core.models import OutboxMessage, WebhookSubscription
from gridgov.regions import codes

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
ALL_ACTIONS = "*"
DEFAULT_BACKOFF = (60, 300, 1800, 7200, 21600, 43200, 86400)  # 1 min … 24 h, in seconds
USER_AGENT = "gridgov-webhooks/1"


# -- settings --------------------------------------------------------------------------------


def timeout_seconds() -> float:
    """``GRIDGOV_WEBHOOK_TIMEOUT``: seconds to wait for a receiver (10)."""
    return float(getattr(settings, "GRIDGOV_WEBHOOK_TIMEOUT", 10))


def backoff_seconds() -> tuple[float, ...]:
    """``GRIDGOV_WEBHOOK_BACKOFF``: the waits before each retry; one attempt more than waits."""
    return tuple(float(s) for s in getattr(settings, "GRIDGOV_WEBHOOK_BACKOFF", DEFAULT_BACKOFF))


def max_attempts() -> int:
    return len(backoff_seconds()) + 1


def max_subscriptions() -> int:
    """``GRIDGOV_WEBHOOK_MAX_SUBSCRIPTIONS``: active subscriptions per client (10)."""
    return int(getattr(settings, "GRIDGOV_WEBHOOK_MAX_SUBSCRIPTIONS", 10))


def lease_seconds() -> float:
    """``GRIDGOV_WEBHOOK_LEASE``: how long a claimed message stays with its worker before
    another may take it (a worker that died mid-send). Longer than any send can take."""
    default = max(60.0, 3 * timeout_seconds())
    return max(float(getattr(settings, "GRIDGOV_WEBHOOK_LEASE", default)), 2 * timeout_seconds())


# -- subscriptions ---------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def check_url(url: str) -> str:
    """The URL, stripped; ``ValidationError`` unless it is an absolute http(s) URL."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        valid_port = parts.port is None or parts.port > 0
    except ValueError:
        valid_port = False
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname or not valid_port:
        raise ValidationError(_("推送地址须为完整的 http:// 或 https:// 地址"))
    if len(url) > 500:
        raise ValidationError(_("推送地址不能超过 500 个字符"))
    return url


def check_actions(actions: Any) -> list[str]:
    """A sorted list of case action names, or ``["*"]``; ``ValidationError`` otherwise."""
    if isinstance(actions, str) or not isinstance(actions, list | tuple) or not actions:
        raise ValidationError(_('请以列表形式填写要订阅的案件操作，或 ["*"] 表示全部'))
    names = {str(a).strip() for a in actions}
    if ALL_ACTIONS in names:
        return [ALL_ACTIONS]
    known = {a.value for a in Action}
    unknown = sorted(names - known)
    if unknown:
        raise ValidationError(_("未知的案件操作：%(names)s") % {"names": "、".join(unknown)})
    return sorted(names)


@transaction.atomic
def subscribe(
    *, client: IntegrationClient, url: str, actions: Sequence[str], actor: Any = None
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret, which is shown once (return it to the
    client; it cannot be read back). Field-level ``ValidationError`` on bad input."""
    errors: dict[str, Any] = {}
    try:
        url = check_url(url)
    except ValidationError as exc:
        errors["url"] = exc.messages
    try:
        cleaned = check_actions(actions)
    except ValidationError as exc:
        errors["actions"] = exc.messages
    if not client.is_active:
        errors["client"] = [_("接入系统已停用")]
    elif subscriptions_for(client).count() >= max_subscriptions():
        errors.setdefault("url", []).append(
            _("每个接入系统最多 %(n)s 个推送订阅，请先取消不用的") % {"n": max_subscriptions()}
        )
    if errors:
        raise ValidationError(errors)
    secret = new_secret()
    subscription = WebhookSubscription.objects.create(
        client=client, url=url, secret=secret, actions=cleaned
    )
    audit.record(
        actor=actor or client.user,
        action="webhook_subscribe",
        obj=subscription,
        changes={"url": url, "actions": cleaned},
    )
    return subscription, secret


@transaction.atomic
def unsubscribe(*, subscription: WebhookSubscription, actor: Any = None) -> int:
    """Stop a subscription; messages not yet delivered are given up (marked failed, kept).
    Returns how many were given up."""
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
    subscription.is_active = False
    dropped = OutboxMessage.objects.filter(
        subscription=subscription, delivered_at=None, failed_at=None
    ).update(failed_at=now, last_error=_("订阅已取消"))
    audit.record(
        actor=actor or subscription.client.user,
        action="webhook_unsubscribe",
        obj=subscription,
        changes={"dropped": dropped},
    )
    return dropped


def subscriptions_for(client: IntegrationClient) -> QuerySet[WebhookSubscription]:
    """The client's active subscriptions, oldest first."""
    return WebhookSubscription.objects.filter(client=client, is_active=True).order_by("id")


# -- enqueue (inside the case action's transaction) ------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def event_key(case_number: str, seq: int) -> str:
    return f"{case_number}-{seq}"


def build_payload(event: CaseEvent, case: Case) -> dict[str, Any]:
    """What a receiver gets for one event: the case as it stands after it, no reporter data
    and no person names."""
    item_code, board_code, centre_path = (
        Case.objects.filter(pk=case.pk).values_list("item__code", "board__code", "centre__path")
    ).get()
    return {
        "id": event_key(case.number, event.seq),
        "type": f"case.{event.action}",
        "occurred_at": _iso(event.at),
        "case": {
            "number": case.number,
            "status": case.status,
            "level": case.level,
            "item": item_code,
            "board": board_code,
            "region_path": case.region_path,
            "centre": centre_path,
            "due_at": _iso(case.due_at),
            "title": case.title,
        },
        "event": {
            "seq": event.seq,
            "action": str(event.action),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
        },
    }


def enqueue_case_event(event: CaseEvent) -> list[OutboxMessage]:
    """Owe one message per active subscription whose client is active, covers the case's
    region and asked for this action. Call it inside the transaction that wrote ``event``:
    the messages then commit or roll back with it. One query when nobody listens."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue_case_event must run inside the case action's transaction")
    case = event.case
    roots = [*codes.ancestor_paths(case.region_path), case.region_path]
    candidates = WebhookSubscription.objects.filter(
        is_active=True,
        client__is_active=True,
        client__user__is_active=True,
        client__region__path__in=roots,
    ).order_by("id")
    wanted = [s for s in candidates if s.wants(str(event.action))]
    if not wanted:
        return []
    payload = build_payload(event, case)
    messages = [
        OutboxMessage(
            subscription=s,
            case_event=event,
            event_key=payload["id"],
            payload=payload,
            next_attempt_at=timezone.now(),
        )
        for s in wanted
    ]
    return OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)


# -- signing ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Gridgov-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of
    ``"<timestamp>.<body>"`` keyed with the subscription secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: int | str,
    body: bytes | str,
    header: str,
    *,
    max_age: float | None = None,
    now: float | None = None,
) -> bool:
    """Whether ``header`` is the signature of ``body`` sent at ``timestamp`` (what a receiver
    checks). With ``max_age`` (seconds) an old or future timestamp fails too (replays)."""
    raw = body.encode() if isinstance(body, str) else body
    if max_age is not None:
        try:
            age = (timezone.now().timestamp() if now is None else now) - int(timestamp)
        except (TypeError, ValueError):
            return False
        if abs(age) > max_age:
            return False
    return hmac.compare_digest(sign(secret, str(timestamp).strip(), raw), (header or "").strip())


# -- delivery --------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one ``deliver_due`` run did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped_subscriptions: set[int] = field(default_factory=set)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed

    def summary(self) -> str:
        return _("推送：成功 %(ok)s，稍后重试 %(retry)s，放弃 %(failed)s") % {
            "ok": self.delivered,
            "retry": self.retrying,
            "failed": self.failed,
        }


@dataclass(frozen=True)
class Outcome:
    """The result of one HTTP POST."""

    ok: bool
    status: int | None
    error: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: it is retried like any non-2xx status."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post(message: OutboxMessage, *, timestamp: int) -> Outcome:
    """POST one message, signed. Never raises for a receiver's failure."""
    body = encode(message.payload)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked on subscribe
        message.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Gridgov-Delivery": str(message.delivery_id),
            "X-Gridgov-Event": str(message.payload.get("type", "")),
            "X-Gridgov-Timestamp": str(timestamp),
            "X-Gridgov-Signature": sign(message.subscription.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout_seconds()) as response:
            status = int(response.status)
            response.read(1024)
    except urllib.error.HTTPError as exc:
        try:
            text = exc.read(200).decode("utf-8", "replace") if exc.fp else ""
        except (OSError, http.client.HTTPException):
            text = ""
        finally:
            exc.close()
        return Outcome(False, exc.code, f"HTTP {exc.code} {text}".strip())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError):
            return Outcome(
                False, None, _("接收方超时（%(s)s 秒）") % {"s": f"{timeout_seconds():g}"}
            )
        return Outcome(False, None, f"{type(reason).__name__}: {reason}")
    if 200 <= status < 300:
        return Outcome(True, status, "")
    return Outcome(False, status, f"HTTP {status}")


def _due(now: dt.datetime, skip: set[int]) -> QuerySet[OutboxMessage]:
    return (
        OutboxMessage.objects.filter(
            delivered_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now
        )
        .exclude(subscription_id__in=sorted(skip))
        .order_by("id")
    )


def _why_not_send(message: OutboxMessage) -> str:
    """Why a due message must be given up instead of sent; empty when it may be sent."""
    sub = message.subscription
    if not (sub.is_active and sub.client.is_active and sub.client.user.is_active):
        return _("订阅或接入系统已停用，未投递")
    region_path = str(message.payload.get("case", {}).get("region_path", ""))
    if not region_path.startswith(sub.client.region.path):
        return _("案件已不在接入系统的服务区域内，未投递")
    if message.attempts >= max_attempts():
        return _("最后一次投递的结果未能记录（进程中断），请核对后重新投递")
    return ""


def _claim(now: dt.datetime, skip: set[int]) -> OutboxMessage | None:
    """Take the oldest due message: lock it (skipping rows other workers hold), count the
    attempt and lease it, in one short transaction. The HTTP call happens after commit, so
    no transaction stays open on the network (SQLite's single writer is never held up)."""
    while True:
        with transaction.atomic():
            message = (
                _due(now, skip)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("subscription__client__region", "subscription__client__user")
                .first()
            )
            if message is None:
                return None
            reason = _why_not_send(message)
            if reason:
                OutboxMessage.objects.filter(pk=message.pk).update(failed_at=now, last_error=reason)
                continue
            # Compare-and-set: on databases without row locks (SQLite) a second worker that
            # read the same row finds it already claimed and moves on.
            claimed = OutboxMessage.objects.filter(
                pk=message.pk, attempts=message.attempts, delivered_at=None, failed_at=None
            ).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + dt.timedelta(seconds=lease_seconds()),
            )
            if claimed:
                message.attempts += 1
                return message


def _record(message: OutboxMessage, outcome: Outcome, now: dt.datetime) -> str:
    """Write the result of one attempt; returns ``delivered``, ``retrying`` or ``failed``."""
    mine = OutboxMessage.objects.filter(pk=message.pk, delivered_at=None, failed_at=None)
    if outcome.ok:
        mine.update(delivered_at=now, last_status=outcome.status, last_error="")
        return "delivered"
    waits = backoff_seconds()
    fields: dict[str, Any] = {"last_status": outcome.status, "last_error": outcome.error[:500]}
    if message.attempts >= max_attempts():
        fields["failed_at"] = now
        state = "failed"
    else:
        wait = waits[min(message.attempts, len(waits)) - 1]
        fields["next_attempt_at"] = now + dt.timedelta(seconds=wait)
        state = "retrying"
    # Only if no other worker has taken it since (its lease ran out): never undo their work.
    mine.filter(attempts=message.attempts).update(**fields)
    return state


def deliver_due(now: dt.datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` due messages, oldest first, one at a time. After a failure the
    rest of that subscription waits for the next run, so one dead endpoint costs one timeout
    per run and never holds up the others. Safe to run in several processes at once."""
    clock: Callable[[], dt.datetime] = (lambda: now) if now is not None else timezone.now
    report = DeliveryReport()
    for _i in range(limit):
        message = _claim(clock(), report.skipped_subscriptions)
        if message is None:
            break
        outcome = post(message, timestamp=int(clock().timestamp()))
        state = _record(message, outcome, clock())
        if state == "delivered":
            report.delivered += 1
            continue
        report.skipped_subscriptions.add(message.subscription_id)
        if state == "failed":
            report.failed += 1
            logger.warning(
                "webhook %s gave up after %s attempts: %s",
                message.delivery_id,
                message.attempts,
                outcome.error,
            )
        else:
            report.retrying += 1
    return report


@transaction.atomic
def requeue(messages: QuerySet[OutboxMessage], *, actor: Any = None) -> int:
    """Send failed (or waiting) messages again now, with a full set of attempts. Delivered
    messages are left alone. Returns how many were re-queued."""
    now = timezone.now()
    pending = messages.filter(delivered_at__isnull=True)
    ids = list(pending.values_list("pk", flat=True))
    count = OutboxMessage.objects.filter(pk__in=ids).update(
        failed_at=None, attempts=0, next_attempt_at=now
    )
    for message in OutboxMessage.objects.filter(pk__in=ids).order_by("id"):
        audit.record(actor=actor, action="webhook_requeue", obj=message)
    return count
