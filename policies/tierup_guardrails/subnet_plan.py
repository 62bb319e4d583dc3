"""The subnet CIDR plan: fixed per AZ slot and role, so no release ever moves a subnet."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum


class SubnetRole(StrEnum):
    """What a subnet is for; the value appears in names and tags."""

    PUBLIC = "public"
    PRIVATE = "private"
    ISOLATED = "isolated"


# The VPC range is cut into 16 equal blocks: blocks 0-3 public, 4-7 private, 8-11 isolated,
# one per AZ slot, 12-15 spare. Reserving four slots from day one means adding an AZ or a
# role never renumbers an existing subnet.
AZ_SLOTS = 4
_NEW_BITS = 4
_FIRST_BLOCK = {SubnetRole.PUBLIC: 0, SubnetRole.PRIVATE: 4, SubnetRole.ISOLATED: 8}
# AWS subnets are /28 or larger, so a /24 VPC is the smallest that holds the plan.
MAX_VPC_PREFIX = 28 - _NEW_BITS


class SubnetPlanError(ValueError):
    """The VPC range or AZ count cannot hold the subnet plan."""


@dataclass(frozen=True)
class AzSubnets:
    """The three subnet CIDRs of one AZ slot."""

    slot: int
    public: str
    private: str
    isolated: str

    def cidr(self, role: SubnetRole) -> str:
        return {
            SubnetRole.PUBLIC: self.public,
            SubnetRole.PRIVATE: self.private,
            SubnetRole.ISOLATED: self.isolated,
        }[role]


def subnet_cidr(vpc_cidr: str, role: SubnetRole, slot: int) -> str:
    """The CIDR of the `role` subnet in AZ slot `slot` (0-based)."""
    network = ipaddress.IPv4Network(vpc_cidr)
    if network.prefixlen > MAX_VPC_PREFIX:
        raise SubnetPlanError(f"{vpc_cidr} is too small: the plan needs a /{MAX_VPC_PREFIX} or larger range")
    if not 0 <= slot < AZ_SLOTS:
        raise SubnetPlanError(f"AZ slot {slot} is outside the plan's {AZ_SLOTS} slots")
    blocks = list(network.subnets(prefixlen_diff=_NEW_BITS))
    return str(blocks[_FIRST_BLOCK[role] + slot])


def plan_subnets(vpc_cidr: str, az_count: int) -> tuple[AzSubnets, ...]:
    """The subnets of the first `az_count` AZ slots."""
    if not 1 <= az_count <= AZ_SLOTS:
        raise SubnetPlanError(f"the plan holds 1 to {AZ_SLOTS} AZs, not {az_count}")
    return tuple(
        AzSubnets(
            slot=slot,
            public=subnet_cidr(vpc_cidr, SubnetRole.PUBLIC, slot),
            private=subnet_cidr(vpc_cidr, SubnetRole.PRIVATE, slot),
            isolated=subnet_cidr(vpc_cidr, SubnetRole.ISOLATED, slot),
        )
        for slot in range(az_count)
    )
