"""Availability zones by zone ID: stable across accounts, unlike AZ names (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

ZONE_ID = re.compile(r"[a-z]{3,6}[0-9]-az[0-9]{1,2}")

# AZ names (us-east-1a) map to different physical zones in each account; zone IDs do not
# (AWS RAM User Guide, "Availability Zone IDs for your AWS resources"). The IDs each region
# offers to every account, in order; regions not listed fall back to AZ names.
REGION_ZONE_IDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "us-east-1": ("use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6", "use1-az3"),
        "us-east-2": ("use2-az1", "use2-az2", "use2-az3"),
        "us-west-1": ("usw1-az1", "usw1-az3"),
        "us-west-2": ("usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"),
        "eu-west-1": ("euw1-az1", "euw1-az2", "euw1-az3"),
        "eu-west-2": ("euw2-az1", "euw2-az2", "euw2-az3"),
        "eu-central-1": ("euc1-az1", "euc1-az2", "euc1-az3"),
        "ap-southeast-1": ("apse1-az1", "apse1-az2", "apse1-az3"),
        "ap-southeast-2": ("apse2-az1", "apse2-az2", "apse2-az3"),
        "ap-northeast-1": ("apne1-az1", "apne1-az2", "apne1-az4"),
    }
)

# Zones where a service the ladder uses is not offered: RDS Proxy is not available in use1-az3
# and usw1-az2 (Amazon RDS User Guide, "Limitations for RDS Proxy"), and the subnet plan is fixed from v1.0,
# so a zone that v2.0's proxy cannot use is refused from the start.
UNSUPPORTED_ZONE_IDS: Mapping[str, str] = MappingProxyType({"use1-az3": "RDS Proxy is not available there", "usw1-az2": "RDS Proxy is not available there"})


def is_zone_id(zone: str) -> bool:
    """True for a zone ID (use1-az1), False for an AZ name (us-east-1a)."""
    return ZONE_ID.fullmatch(zone) is not None


def default_zones(region: str, count: int) -> tuple[str, ...]:
    """The first `count` supported zone IDs of the region; AZ names by letter where the region's
    IDs are not known here (pin tierup:network.availabilityZones there)."""
    ids = [zone for zone in REGION_ZONE_IDS.get(region, ()) if zone not in UNSUPPORTED_ZONE_IDS]
    if len(ids) >= count:
        return tuple(ids[:count])
    return tuple(f"{region}{letter}" for letter in "abcd"[:count])
