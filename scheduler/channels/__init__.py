"""Delivery channels: in-app inbox, email and signed webhooks, all behind one small protocol."""

from scheduler.channels.base import Channel, DeliveryResult, Message
from scheduler.channels.email import EmailChannel
from scheduler.channels.inbox import InboxChannel
from scheduler.channels.webhook import WebhookChannel, check_url, payload, sign, verify

__all__ = [
    "Channel",
    "DeliveryResult",
    "EmailChannel",
    "InboxChannel",
    "Message",
    "WebhookChannel",
    "check_url",
    "payload",
    "sign",
    "verify",
]
