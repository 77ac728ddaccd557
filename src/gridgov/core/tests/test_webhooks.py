"""Webhooks: the transactional outbox (messages commit and roll back with their case event),
scoping, signing, delivery to a real local HTTP server, retries, give-up, crash safety and two
workers at once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from gridgov.accounts.models import Department, User
from gridgov.accounts.tokens import create_integration_client
from gridgov.cases import services
from gridgov.cases.models import Board, CaseEvent, Item
from gridgov.cases.services import publish_item_version, submit_case
from gridgov.cases.tests.fixtures import GRID_A, T0, TOWNSHIP, point_in
from gridgov.cases.workflow import Action
from gridgov.core import webhooks
from gridgov.core.models import OutboxMessage, WebhookSubscription
from gridgov.regions.models import Region

H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)
COUNTY = "220283"


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def item(db):
    board = Board.objects.create(code="TST", name="测试板块", sort_order=99)
    item = Item.objects.create(
        code="T-001",
        name="路灯损坏",
        board=board,
        level="village",
        department=Department.objects.get(short_name="城管局"),
        difficulty="simple",
    )
    publish_item_version(item=item)
    return item


@pytest.fixture
def report(item):
    """Submit a case at grid A as its grid worker, with a named reporter."""

    def _report(**kwargs):
        lng, lat = point_in(GRID_A)
        fields = {
            "channel": "patrol",
            "title": "育才社区路灯不亮",
            "description": "滨河小区门口三盏路灯连续三天不亮。",
            "item": item,
            "lng": lng,
            "lat": lat,
            "reporter_name": "张大爷",
            "reporter_phone": "13804321234",
            "at": T0,
        }
        fields.update(kwargs)
        return submit_case(user=User.objects.get(username="grid_worker"), **fields)

    return _report


def make_client(code: str, path: str = COUNTY):
    return create_integration_client(
        code=code, name=f"接入系统{code}", region=Region.objects.get(path=path)
    ).client


@pytest.fixture
def client_county(db):
    return make_client("hotline")


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it gets and answers as scripted."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answered in turn; then by path, then default
        self.status_for: dict[str, int] = {}
        self.default = 200
        self.delay = 0.0
        self.hold = threading.Event()  # set: no handler waits any more
        self.hold.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hold.wait(5)
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = (
                    receiver.statuses.pop(0)
                    if receiver.statuses
                    else receiver.status_for.get(self.path, receiver.default)
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up (timeout)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def deliveries(self) -> list[str]:
        return [r["headers"]["X-Gridgov-Delivery"] for r in self.requests]

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def now() -> dt.datetime:
    return timezone.now() + S


def pending():
    return OutboxMessage.objects.filter(delivered_at=None, failed_at=None)


# -- subscribing -----------------------------------------------------------------------------


def test_subscribe_returns_a_secret_once_and_checks_its_input(client_county):
    subscription, secret = webhooks.subscribe(
        client=client_county, url=" https://hotline.example.cn/hook ", actions=["accept", "submit"]
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    assert subscription.secret == secret
    assert subscription.url == "https://hotline.example.cn/hook"
    assert subscription.actions == ["accept", "submit"]
    assert list(webhooks.subscriptions_for(client_county)) == [subscription]
    _other, other_secret = webhooks.subscribe(
        client=client_county, url="http://a.cn", actions=["*"]
    )
    assert other_secret != secret

    with pytest.raises(ValidationError) as caught:
        webhooks.subscribe(client=client_county, url="ftp://a.cn/x", actions=["fly", "accept"])
    errors = caught.value.message_dict
    assert "http://" in errors["url"][0]
    assert "fly" in errors["actions"][0] and "未知" in errors["actions"][0]
    for bad in ("", "javascript:alert(1)", "http://", "https:///x"):
        with pytest.raises(ValidationError):
            webhooks.subscribe(client=client_county, url=bad, actions=["*"])
    for bad in ([], "accept", None):
        with pytest.raises(ValidationError) as caught:
            webhooks.subscribe(client=client_county, url="http://a.cn", actions=bad)
        assert "actions" in caught.value.message_dict
    assert webhooks.check_actions(["*", "accept"]) == ["*"]


def test_a_client_has_a_bounded_number_of_subscriptions(client_county, settings):
    settings.GRIDGOV_WEBHOOK_MAX_SUBSCRIPTIONS = 2
    for _i in range(2):
        webhooks.subscribe(client=client_county, url="http://a.cn", actions=["*"])
    with pytest.raises(ValidationError) as caught:
        webhooks.subscribe(client=client_county, url="http://a.cn", actions=["*"])
    assert "最多 2 个" in caught.value.message_dict["url"][0]


def test_unsubscribe_stops_and_gives_up_what_is_pending(client_county, report):
    subscription, _ = webhooks.subscribe(client=client_county, url="http://a.cn", actions=["*"])
    report()
    assert webhooks.unsubscribe(subscription=subscription) == 1
    assert list(webhooks.subscriptions_for(client_county)) == []
    message = OutboxMessage.objects.get()
    assert message.failed_at is not None and message.last_error == "订阅已取消"
    report()
    assert OutboxMessage.objects.count() == 1


# -- enqueue ---------------------------------------------------------------------------------


def test_the_message_is_written_with_the_event(client_county, report):
    webhooks.subscribe(client=client_county, url="http://a.cn", actions=["*"])
    case = report()
    message = OutboxMessage.objects.get()
    event = CaseEvent.objects.get(case=case, seq=1)
    assert message.case_event == event
    assert message.event_key == f"{case.number}-1"
    assert message.state == "pending" and message.attempts == 0
    payload = message.payload
    assert payload == {
        "id": f"{case.number}-1",
        "type": "case.submit",
        "occurred_at": "2026-11-02T09:00:00+08:00",
        "case": {
            "number": case.number,
            "status": "submitted",
            "level": "village",
            "item": "T-001",
            "board": "TST",
            "region_path": GRID_A,
            "centre": GRID_A[:12],
            "due_at": timezone.localtime(case.due_at).isoformat(),
            "title": "育才社区路灯不亮",
        },
        "event": {
            "seq": 1,
            "action": "submit",
            "from_status": "",
            "to_status": "submitted",
            "note": "",
        },
    }
    assert payload["case"]["due_at"].endswith("+08:00")
    text = json.dumps(payload, ensure_ascii=False)
    assert "张大爷" not in text and "13804321234" not in text
    services.act(
        case=case.pk,
        user=User.objects.get(username="village_op"),
        action=Action.ACCEPT,
        payload={"note": "已受理"},
        at=T0 + H,
    )
    accepted = OutboxMessage.objects.get(event_key=f"{case.number}-2")
    assert accepted.payload["type"] == "case.accept"
    assert accepted.payload["event"] == {
        "seq": 2,
        "action": "accept",
        "from_status": "submitted",
        "to_status": "accepted",
        "note": "已受理",
    }
    assert accepted.payload["case"]["status"] == "accepted"


def test_a_rolled_back_action_leaves_no_message(client_county, report):
    webhooks.subscribe(client=client_county, url="http://a.cn", actions=["*"])
    case = report()
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.act(
            case=case.pk,
            user=User.objects.get(username="village_op"),
            action=Action.ACCEPT,
            at=T0 + H,
        )
        assert OutboxMessage.objects.count() == before + 1  # written with the event …
        raise RuntimeError("the action fails after its event was written")
    assert OutboxMessage.objects.count() == before  # … and gone with it
    assert not CaseEvent.objects.filter(case=case, seq=2).exists()


def test_a_failed_intake_leaves_no_message(client_county, report):
    webhooks.subscribe(client=client_county, url="http://a.cn", actions=["*"])
    with pytest.raises(ValidationError):
        report(title="")
    assert not OutboxMessage.objects.exists()


def test_enqueue_outside_a_transaction_is_refused(monkeypatch):
    class Autocommit:
        in_atomic_block = False

    monkeypatch.setattr(transaction, "get_connection", Autocommit)
    with pytest.raises(RuntimeError, match="transaction"):
        webhooks.enqueue_case_event(CaseEvent())


def test_only_clients_whose_region_covers_the_case(report):
    other_township = (
        Region.objects.filter(level="township", path__startswith=COUNTY)
        .exclude(path=TOWNSHIP)
        .order_by("path")
        .first()
    )
    here = make_client("township", TOWNSHIP)
    elsewhere = make_client("elsewhere", other_township.path)
    county = make_client("county")
    for client in (here, elsewhere, county):
        webhooks.subscribe(client=client, url="http://a.cn", actions=["*"])
    report()
    got = set(OutboxMessage.objects.values_list("subscription__client__code", flat=True))
    assert got == {"township", "county"}


def test_only_the_actions_asked_for_and_only_active_ones(client_county, report):
    accept_only, _ = webhooks.subscribe(client=client_county, url="http://a.cn", actions=["accept"])
    switched_off, _ = webhooks.subscribe(client=client_county, url="http://b.cn", actions=["*"])
    WebhookSubscription.objects.filter(pk=switched_off.pk).update(is_active=False)
    quiet = make_client("quiet")
    webhooks.subscribe(client=quiet, url="http://c.cn", actions=["*"])
    quiet.is_active = False
    quiet.save()
    case = report()
    assert not OutboxMessage.objects.exists()
    services.act(
        case=case.pk, user=User.objects.get(username="village_op"), action="accept", at=T0 + H
    )
    assert list(OutboxMessage.objects.values_list("subscription", "payload__type")) == [
        (accept_only.pk, "case.accept")
    ]


def test_enqueue_costs_one_query_when_nobody_listens(report, django_assert_num_queries):
    case = report()
    event = CaseEvent.objects.select_related("case").get(case=case)
    with django_assert_num_queries(1):
        assert webhooks.enqueue_case_event(event) == []


# -- signing ---------------------------------------------------------------------------------


def test_signatures():
    body = '{"标题":"路灯"}'.encode()
    header = webhooks.sign("whsec_abc", 1700000000, body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert webhooks.verify_signature("whsec_abc", "1700000000", body, header)
    assert webhooks.verify_signature("whsec_abc", 1700000000, body.decode(), header)
    assert not webhooks.verify_signature("whsec_abd", 1700000000, body, header)
    assert not webhooks.verify_signature("whsec_abc", 1700000001, body, header)
    assert not webhooks.verify_signature("whsec_abc", 1700000000, body + b" ", header)
    assert not webhooks.verify_signature("whsec_abc", 1700000000, body, "")
    assert webhooks.verify_signature(
        "whsec_abc", 1700000000, body, header, max_age=300, now=1700000100
    )
    assert not webhooks.verify_signature(
        "whsec_abc", 1700000000, body, header, max_age=300, now=1700000400
    )
    assert not webhooks.verify_signature("whsec_abc", "x", body, header, max_age=300)


# -- delivery --------------------------------------------------------------------------------


def test_delivery_to_a_real_server_is_signed(client_county, report, receiver):
    _subscription, secret = webhooks.subscribe(
        client=client_county, url=receiver.url(), actions=["*"]
    )
    case = report()
    message = OutboxMessage.objects.get()
    at = now()
    result = webhooks.deliver_due(now=at)
    assert (result.delivered, result.retrying, result.failed) == (1, 0, 0)
    assert "成功 1" in result.summary()
    (got,) = receiver.requests
    headers, body = got["headers"], got["body"]
    assert got["path"] == "/hook"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Gridgov-Delivery"] == str(message.delivery_id)
    assert headers["X-Gridgov-Event"] == "case.submit"
    assert headers["X-Gridgov-Timestamp"] == str(int(at.timestamp()))
    assert webhooks.verify_signature(
        secret, headers["X-Gridgov-Timestamp"], body, headers["X-Gridgov-Signature"]
    )
    assert not webhooks.verify_signature(
        "whsec_wrong", headers["X-Gridgov-Timestamp"], body, headers["X-Gridgov-Signature"]
    )
    assert "育才社区路灯不亮".encode() in body  # UTF-8, not \\u escapes
    assert json.loads(body)["case"]["number"] == case.number
    message.refresh_from_db()
    assert message.state == "delivered" and message.attempts == 1 and message.last_status == 200
    assert webhooks.deliver_due(now=at + 2 * H).attempted == 0
    assert len(receiver.requests) == 1


def test_a_500_is_retried_with_backoff_then_delivered_once(client_county, report, receiver):
    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()
    receiver.statuses = [500]
    t = now()
    first = webhooks.deliver_due(now=t)
    assert (first.delivered, first.retrying) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.state == "pending" and message.attempts == 1
    assert message.last_status == 500 and message.last_error.startswith("HTTP 500")
    assert message.next_attempt_at == t + dt.timedelta(minutes=1)
    assert webhooks.deliver_due(now=t + 59 * S).attempted == 0
    second = webhooks.deliver_due(now=t + 61 * S)
    assert second.delivered == 1
    assert webhooks.deliver_due(now=t + 2 * H).attempted == 0
    ids = receiver.deliveries()
    assert len(ids) == 2 and ids[0] == ids[1] == str(message.delivery_id)
    message.refresh_from_db()
    assert message.state == "delivered" and message.attempts == 2 and message.last_error == ""


def test_a_redirect_is_not_a_delivery(client_county, report, receiver):
    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()
    receiver.statuses = [302]
    assert webhooks.deliver_due(now=now()).retrying == 1
    assert OutboxMessage.objects.get().last_status == 302
    assert len(receiver.requests) == 1


def test_a_receiver_that_times_out_is_retried(client_county, report, receiver, settings):
    settings.GRIDGOV_WEBHOOK_TIMEOUT = 0.2
    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()
    receiver.hold.clear()  # the handler waits until released
    t = now()
    started = time.monotonic()
    result = webhooks.deliver_due(now=t)
    assert time.monotonic() - started < 3
    receiver.hold.set()
    assert result.retrying == 1
    message = OutboxMessage.objects.get()
    assert message.state == "pending" and message.last_status is None
    assert "超时" in message.last_error
    assert message.next_attempt_at == t + dt.timedelta(minutes=1)


def test_an_unreachable_receiver_is_retried(client_county, report, receiver):
    url = receiver.url()
    receiver.close()  # nobody listens on that port any more
    webhooks.subscribe(client=client_county, url=url, actions=["*"])
    report()
    assert webhooks.deliver_due(now=now()).retrying == 1
    message = OutboxMessage.objects.get()
    assert message.attempts == 1 and message.last_error


def test_gives_up_after_the_last_attempt_and_can_be_requeued(client_county, report, receiver):
    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()
    receiver.default = 503
    t = now()
    waits = [60, 300, 1800, 7200, 21600, 43200, 86400]
    for wait in waits:
        assert webhooks.deliver_due(now=t).retrying == 1
        message = OutboxMessage.objects.get()
        assert message.next_attempt_at == t + dt.timedelta(seconds=wait)
        t += dt.timedelta(seconds=wait)
    last = webhooks.deliver_due(now=t)
    assert last.failed == 1 and "放弃 1" in last.summary()
    message = OutboxMessage.objects.get()
    assert message.state == "failed" and message.attempts == 8 and message.last_status == 503
    assert len(receiver.requests) == 8 and len(set(receiver.deliveries())) == 1
    assert webhooks.deliver_due(now=t + 100 * H).attempted == 0

    receiver.default = 200
    assert webhooks.requeue(OutboxMessage.objects.all()) == 1
    message.refresh_from_db()
    assert message.state == "pending" and message.attempts == 0
    assert webhooks.deliver_due(now=now()).delivered == 1
    assert receiver.deliveries()[-1] == str(message.delivery_id)
    assert webhooks.requeue(OutboxMessage.objects.all()) == 0  # delivered: left alone


def test_backoff_is_a_setting(client_county, report, receiver, settings):
    settings.GRIDGOV_WEBHOOK_BACKOFF = [5]
    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()
    receiver.default = 500
    t = now()
    assert webhooks.deliver_due(now=t).retrying == 1
    assert OutboxMessage.objects.get().next_attempt_at == t + 5 * S
    assert webhooks.deliver_due(now=t + 5 * S).failed == 1


def test_oldest_first_and_one_dead_endpoint_does_not_hold_up_the_rest(
    client_county, report, receiver
):
    webhooks.subscribe(client=client_county, url=receiver.url("/good"), actions=["*"])
    webhooks.subscribe(client=client_county, url=receiver.url("/bad"), actions=["*"])
    cases = [report() for _ in range(3)]
    receiver.status_for["/bad"] = 500
    result = webhooks.deliver_due(now=now())
    assert (result.delivered, result.retrying) == (3, 1)
    # Oldest first; after the bad endpoint failed once, its other messages wait for the next run.
    assert [r["path"] for r in receiver.requests] == ["/good", "/bad", "/good", "/good"]
    good_numbers = [
        json.loads(r["body"])["case"]["number"] for r in receiver.requests if r["path"] == "/good"
    ]
    assert good_numbers == [c.number for c in cases]
    assert pending().count() == 3


def test_limit(client_county, report, receiver):
    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    for _ in range(3):
        report()
    assert webhooks.deliver_due(now=now(), limit=2).delivered == 2
    assert pending().count() == 1


def test_a_switched_off_subscription_is_not_delivered(client_county, report, receiver):
    subscription, _ = webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()
    subscription.is_active = False
    subscription.save()
    result = webhooks.deliver_due(now=now())
    assert result.attempted == 0 and receiver.requests == []
    message = OutboxMessage.objects.get()
    assert message.state == "failed" and "停用" in message.last_error


def test_a_crash_after_the_post_redelivers_with_the_same_id(
    client_county, report, receiver, monkeypatch
):
    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()

    def crash(*args, **kwargs):
        raise SystemExit("killed between the POST and recording it")

    t = now()
    with monkeypatch.context() as patch:
        patch.setattr(webhooks, "_record", crash)
        with pytest.raises(SystemExit):
            webhooks.deliver_due(now=t)
    assert len(receiver.requests) == 1  # it was sent …
    message = OutboxMessage.objects.get()
    assert message.state == "pending"  # … but not recorded: still owed, never lost
    # Leased to the dead worker for a while, so no other worker sends it meanwhile …
    assert webhooks.deliver_due(now=t + 30 * S).attempted == 0
    # … then sent again, with the same delivery id, so the receiver can drop the duplicate.
    lease = dt.timedelta(seconds=webhooks.lease_seconds())
    assert webhooks.deliver_due(now=t + lease + S).delivered == 1
    ids = receiver.deliveries()
    assert len(ids) == 2 and ids[0] == ids[1] == str(message.delivery_id)
    message.refresh_from_db()
    assert message.state == "delivered" and message.attempts == 2


def test_repeated_crashes_end_in_failed_not_a_loop(client_county, report, monkeypatch, settings):
    settings.GRIDGOV_WEBHOOK_BACKOFF = [60]
    webhooks.subscribe(client=client_county, url="http://127.0.0.1:9/", actions=["*"])
    report()

    def crash(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(webhooks, "post", crash)
    t = now()
    lease = dt.timedelta(seconds=webhooks.lease_seconds())
    for _ in range(2):
        with pytest.raises(SystemExit):
            webhooks.deliver_due(now=t)
        t += lease + S
    assert webhooks.deliver_due(now=t).attempted == 0
    message = OutboxMessage.objects.get()
    assert message.state == "failed" and "未能记录" in message.last_error


def test_the_command(client_county, report, receiver):
    from io import StringIO

    webhooks.subscribe(client=client_county, url=receiver.url(), actions=["*"])
    report()
    out = StringIO()
    call_command("deliver_webhooks", stdout=out)
    assert "成功 1" in out.getvalue()
    assert len(receiver.requests) == 1


# -- admin -----------------------------------------------------------------------------------


def test_admin_lists_filters_and_requeues(admin_client, client_county, report):
    subscription, _ = webhooks.subscribe(client=client_county, url="http://a.cn", actions=["*"])
    report()
    OutboxMessage.objects.update(failed_at=timezone.now(), attempts=8, last_error="HTTP 500")
    message = OutboxMessage.objects.get()
    for state in ("pending", "delivered", "failed"):
        page = admin_client.get(f"/admin/core/outboxmessage/?state={state}")
        assert page.status_code == 200
        assert (message.event_key in page.content.decode()) == (state == "failed")
    assert admin_client.get("/admin/core/webhooksubscription/").status_code == 200
    assert admin_client.get(f"/admin/core/outboxmessage/{message.pk}/change/").status_code == 200
    page = admin_client.get(f"/admin/core/webhooksubscription/{subscription.pk}/change/")
    assert page.status_code == 200 and subscription.secret not in page.content.decode()
    response = admin_client.post(
        "/admin/core/outboxmessage/",
        {"action": "requeue", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "已重新排队 1 条" in response.content.decode()
    message.refresh_from_db()
    assert message.state == "pending" and message.attempts == 0


def test_admin_adds_a_subscription_and_shows_the_secret_once(admin_client, client_county):
    response = admin_client.post(
        "/admin/core/webhooksubscription/add/",
        {"client": client_county.pk, "url": "ftp://x", "actions": '["accept"]', "is_active": "on"},
    )
    assert response.status_code == 200 and not WebhookSubscription.objects.exists()
    response = admin_client.post(
        "/admin/core/webhooksubscription/add/",
        {
            "client": client_county.pk,
            "url": "https://a.cn/h",
            "actions": '["accept"]',
            "is_active": "on",
        },
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret.startswith("whsec_")
    assert subscription.secret in response.content.decode()


# -- two workers at once (PostgreSQL) --------------------------------------------------------


@pytest.fixture
def committed(django_db_blocker):
    """Transactional tests flush the database when they end: make sure the demo county is
    there (reloaded after an earlier flush)."""
    from gridgov.demo import load_demo

    if not Region.objects.filter(path=COUNTY).exists():
        load_demo(log=lambda *_: None, cases=0, registry=False)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_two_workers_never_send_the_same_message_twice(committed, report, receiver):
    assert connection.vendor == "postgresql"
    client = make_client("race")
    for i in range(8):
        webhooks.subscribe(client=client, url=receiver.url(f"/s{i}"), actions=["*"])
    report()
    assert pending().count() == 8
    receiver.delay = 0.05  # keep both workers busy at the same time
    at = now()
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = webhooks.deliver_due(now=at)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(r.delivered for r in results) == 8
    ids = receiver.deliveries()
    assert len(ids) == 8 and len(set(ids)) == 8
    assert pending().count() == 0
    assert all(m.attempts == 1 for m in OutboxMessage.objects.all())


def test_webhook_subscriptions_over_the_api(client, db):
    from django.core.cache import cache

    from gridgov.accounts.tokens import create_integration_client, issue_token
    from gridgov.regions.models import Region
    from gridgov.testing import api_error, bearer

    cache.clear()
    new = create_integration_client(
        code="hotline-api", name="12345 热线", region=Region.objects.get(path="220283")
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(name='t', client=new.client).secret}"}
    response = client.post(
        "/api/v1/webhooks",
        {"url": "https://hotline.example/hook", "actions": ["accept", "handle"]},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201 and response.json()["secret"].startswith("whsec_")
    subscription_id = response.json()["id"]
    listed = client.get("/api/v1/webhooks", **headers).json()
    assert [s["id"] for s in listed] == [subscription_id] and "secret" not in listed[0]
    response = client.post(
        "/api/v1/webhooks",
        {"url": "ftp://example.com/x", "actions": ["fly"]},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert {"url", "actions"} <= set(api_error(response)["fields"])
    staff_response = client.get("/api/v1/webhooks", **bearer("county_op"))
    assert staff_response.status_code == 403
    assert client.delete(f"/api/v1/webhooks/{subscription_id}", **headers).status_code == 204
    assert client.get("/api/v1/webhooks", **headers).json() == []
    assert client.delete(f"/api/v1/webhooks/{subscription_id}", **headers).status_code == 404
