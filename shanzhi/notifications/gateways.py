"""Gateways that carry notifications out of the platform (SMS, WeChat…).

A gateway is a class with `name`, `channels` and `send(to, text) -> str` (the provider's
answer) that raises `GatewayError` on failure. settings.NOTIFICATION_GATEWAYS lists the dotted
paths in use; `LogGateway` (development, tests) writes to the log and the outbox table only.
A deployment plugs its provider by writing one such class (docs/operations.md).
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("shanzhi.notifications")


class GatewayError(Exception):
    pass


class BaseGateway:
    name = "base"
    channels: tuple[str, ...] = ()

    def send(self, to: str, text: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class LogGateway(BaseGateway):
    """Delivers nothing: logs the message. For development and tests."""

    name = "log"
    channels = ("sms", "wechat")

    def send(self, to: str, text: str) -> str:
        logger.info("[%s] to %s: %s", self.name, to, text)
        return "logged"


@lru_cache(maxsize=1)
def configured_gateways() -> tuple[BaseGateway, ...]:
    return tuple(import_string(path)() for path in settings.NOTIFICATION_GATEWAYS)


def gateway_for(channel: str) -> BaseGateway | None:
    for gw in configured_gateways():
        if channel in gw.channels:
            return gw
    return None
