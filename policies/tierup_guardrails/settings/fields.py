"""Parsers for single config values: each returns the typed value or raises ConfigError."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from tierup_guardrails.settings.errors import ConfigError

E = TypeVar("E", bound=Enum)
Parser = Callable[[str, object], object]

# CloudWatch Logs accepts only these retention periods; 0 (never expire) is excluded on purpose.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

_TRUE_WORDS = {"true": True, "false": False}


def parse_bool(key: str, raw: object) -> bool:
    """A JSON boolean, or the strings "true"/"false" the Pulumi CLI stores for scalars."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in _TRUE_WORDS:
        return _TRUE_WORDS[raw.lower()]
    raise ConfigError(key, raw, "is not a boolean", "true or false")


def int_between(low: int, high: int) -> Parser:
    """An integer (or a string of digits) from low to high inclusive."""
    allowed = f"an integer from {low} to {high}"

    def parse(key: str, raw: object) -> int:
        value = _as_int(raw)
        if value is None:
            raise ConfigError(key, raw, "is not an integer", allowed)
        if not low <= value <= high:
            raise ConfigError(key, raw, "is out of range", allowed)
        return value

    return parse


def number_between(low: float, high: float) -> Parser:
    """A number (int, float or numeric string) greater than low and at most high."""
    allowed = f"a number above {low:g} and at most {high:g}"

    def parse(key: str, raw: object) -> float:
        value = _as_float(raw)
        if value is None:
            raise ConfigError(key, raw, "is not a number", allowed)
        if not low < value <= high:
            raise ConfigError(key, raw, "is out of range", allowed)
        return value

    return parse


def amount_up_to(high: float) -> Parser:
    """A non-negative number (int, float or numeric string) of at most high."""
    allowed = f"a number from 0 to {high:.10g}"

    def parse(key: str, raw: object) -> float:
        value = _as_float(raw)
        if value is None:
            raise ConfigError(key, raw, "is not a number", allowed)
        if not 0 <= value <= high:
            raise ConfigError(key, raw, "is out of range", allowed)
        return value

    return parse


def one_of_ints(choices: tuple[int, ...], description: str) -> Parser:
    """An integer from a fixed list."""

    def parse(key: str, raw: object) -> int:
        value = _as_int(raw)
        if value not in choices:
            raise ConfigError(key, raw, "is not allowed", description)
        return value

    return parse


def member_of(enum: type[E]) -> Callable[[str, object], E]:
    """An enum member given by its value."""
    values = [member.value for member in enum]
    allowed = ", ".join(values)

    def parse(key: str, raw: object) -> E:
        if isinstance(raw, str) and raw in values:
            return enum(raw)
        raise ConfigError(key, raw, "is not allowed", allowed)

    return parse


def text_matching(pattern: str, description: str) -> Parser:
    """A string matching a regular expression. An integer counts as its digits: `pulumi config
    set --path tierup:data.engineVersion 16` stores the number 16, not the string "16"."""
    compiled = re.compile(pattern)

    def parse(key: str, raw: object) -> str:
        text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
        if isinstance(text, str) and compiled.fullmatch(text):
            return text
        raise ConfigError(key, raw, "is not allowed", description)

    return parse


def list_of(item: Parser, *, min_items: int, max_items: int) -> Parser:
    """A list (or a JSON string of one) whose items each pass `item`."""
    allowed = f"a list of {min_items} to {max_items} items"

    def parse(key: str, raw: object) -> tuple[object, ...]:
        value = decode_json(raw) if isinstance(raw, str) else raw
        if not isinstance(value, list):
            raise ConfigError(key, raw, "is not a list", allowed)
        if not min_items <= len(value) <= max_items:
            raise ConfigError(key, raw, "has the wrong number of items", allowed)
        return tuple(item(f"{key}[{index}]", entry) for index, entry in enumerate(value))

    return parse


def mapping_of(name_pattern: str, value: Parser, *, max_items: int) -> Parser:
    """An object of NAME → value (or its JSON text), returned as sorted (name, value) pairs."""
    names = re.compile(name_pattern)
    allowed = f"an object of up to {max_items} names matching {name_pattern}"

    def parse(key: str, raw: object) -> tuple[tuple[str, object], ...]:
        decoded = decode_json(raw) if isinstance(raw, str) else raw
        if not isinstance(decoded, dict) or len(decoded) > max_items:
            raise ConfigError(key, raw, "is not an object", allowed)
        for name in decoded:
            if not names.fullmatch(name):
                raise ConfigError(f"{key}.{name}", name, "is not an allowed name", allowed)
        return tuple(sorted((name, value(f"{key}.{name}", item)) for name, item in decoded.items()))

    return parse


def scalar_text(key: str, raw: object) -> str:
    """A string, number or boolean, as the text an environment variable holds."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (str, int, float)):
        return str(raw)
    raise ConfigError(key, raw, "is not a string", "a string, number or boolean")


def optional(parse: Parser) -> Parser:
    """`parse`, or None for a JSON null."""

    def parse_optional(key: str, raw: object) -> object:
        return None if raw is None else parse(key, raw)

    return parse_optional


def private_cidr(key: str, raw: object) -> str:
    """An RFC 1918 IPv4 network written with its host bits zero."""
    allowed = "an RFC 1918 IPv4 network such as 10.0.0.0/16, with a prefix from /16 to /24"
    if not isinstance(raw, str):
        raise ConfigError(key, raw, "is not a CIDR block", allowed)
    try:
        network = ipaddress.IPv4Network(raw, strict=True)
    except ValueError:
        raise ConfigError(key, raw, "is not a CIDR block", allowed) from None
    if not network.is_private or network.prefixlen < 16:
        raise ConfigError(key, raw, "is not an RFC 1918 range of /16 or smaller", allowed)
    return str(network)


def decode_json(raw: str) -> object:
    """Decode a JSON-encoded config object; a plain string stays itself."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _as_int(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"-?[0-9]{1,9}", raw.strip()):
        return int(raw)
    return None


def _as_float(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw) if float(raw) == float(raw) else None  # NaN is not a budget
    if isinstance(raw, str):
        try:
            value = float(raw)
        except ValueError:
            return None
        return value if value == value else None
    return None
