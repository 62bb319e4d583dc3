"""Stack settings: the release ladder and the validated merge of a stack's overrides."""

from components.modes import Architecture, CacheEngine, CacheMode, Ingress, NatStrategy
from tierup.settings.errors import ConfigError
from tierup.settings.ladder import PROFILES
from tierup.settings.loader import ALLOWED_KEYS, load_settings
from tierup.settings.model import (
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
