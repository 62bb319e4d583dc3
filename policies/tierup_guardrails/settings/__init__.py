"""Stack settings: the release ladder and the validated merge of a stack's overrides."""

from tierup_guardrails.modes import Architecture, CacheEngine, CacheMode, Ingress, NatStrategy
from tierup_guardrails.settings.errors import ConfigError
from tierup_guardrails.settings.ladder import PROFILES
from tierup_guardrails.settings.loader import ALLOWED_KEYS, load_settings
from tierup_guardrails.settings.model import (
    BudgetSettings,
    CacheSettings,
    ComputeSettings,
    DataSettings,
    NetworkSettings,
    Release,
    ReleaseProfile,
    StackSettings,
)

__all__ = [
    "ALLOWED_KEYS",
    "PROFILES",
    "Architecture",
    "BudgetSettings",
    "CacheEngine",
    "CacheMode",
    "CacheSettings",
    "ComputeSettings",
    "ConfigError",
    "DataSettings",
    "Ingress",
    "NatStrategy",
    "NetworkSettings",
    "Release",
    "ReleaseProfile",
    "StackSettings",
    "load_settings",
]
