"""Inputs as the program wrote them, read at preview, where some values are still unknown."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from pulumi_policy.proxy import UnknownValueError

from tierup_guardrails.base import as_list, number

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNREADABLE = object()
"""What `literal` returns for a value the preview cannot know yet."""


def literal(props: Mapping[str, object], key: str) -> object:
    """An input as the program wrote it (None when absent), or UNREADABLE when unknown at preview."""
    try:
        return props.get(key)
    except UnknownValueError:
        return UNREADABLE


def literal_items(props: Mapping[str, object], key: str) -> list[object]:
    """The items of a list input; none when it is absent or unknown at preview."""
    value = literal(props, key)
    return [] if value is UNREADABLE else as_list(value)


def literal_port(props: Mapping[str, object], key: str) -> int | None:
    """A port input; None when it is absent or unknown at preview."""
    value = literal(props, key)
    return None if value is None or value is UNREADABLE else int(number(value))


def network(value: object) -> Network | None:
    """A CIDR block; None when absent or not an address range (an unresolved id, say)."""
    try:
        return ipaddress.ip_network(str(value), strict=False) if value else None
    except ValueError:
        return None
