"""API: webhook subscriptions of integration clients."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gridgov.accounts.models import IntegrationClient
from gridgov.core import webhooks
from gridgov.core.apiutil import staff
from gridgov.core.models import WebhookSubscription

router = Router(tags=["推送（Webhook）"])


class SubscriptionIn(Schema):
    url: str = Field(..., min_length=8, max_length=500, examples=["https://12345.example/hook"])
    actions: list[str] = Field(
        default_factory=lambda: ["*"],
        max_length=40,
        description="要推送的案件操作，如 accept、handle；* 表示全部",
    )


class SubscriptionOut(Schema):
    id: int
    url: str
    actions: list[str]
    created_at: dt.datetime


class NewSubscriptionOut(SubscriptionOut):
    secret: str = Field(..., description="签名密钥，只显示这一次")


def _client(request: HttpRequest) -> IntegrationClient:
    user = staff(request)
    client = getattr(user, "client", None) if hasattr(user, "client") else None
    if client is None:
        raise PermissionDenied(_("只有接入系统可以订阅推送"))
    return client


def _out(subscription: WebhookSubscription) -> dict[str, object]:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "actions": subscription.actions,
        "created_at": subscription.created_at,
    }


@router.get("/webhooks", response=list[SubscriptionOut], summary="我的推送订阅")
def list_subscriptions(request: HttpRequest) -> list[dict[str, object]]:
    return [_out(s) for s in webhooks.subscriptions_for(_client(request))]


@router.post("/webhooks", response={201: NewSubscriptionOut}, summary="订阅案件事件推送")
def create_subscription(request: HttpRequest, data: SubscriptionIn) -> Status[dict[str, object]]:
    client = _client(request)
    subscription, secret = webhooks.subscribe(
        client=client, url=data.url, actions=data.actions, actor=client.user
    )
    return Status(201, {**_out(subscription), "secret": secret})


@router.delete("/webhooks/{subscription_id}", response={204: None}, summary="取消订阅")
def delete_subscription(request: HttpRequest, subscription_id: int) -> Status[None]:
    client = _client(request)
    subscription = get_object_or_404(
        WebhookSubscription, pk=subscription_id, client=client, is_active=True
    )
    webhooks.unsubscribe(subscription=subscription, actor=client.user)
    return Status(204, None)
