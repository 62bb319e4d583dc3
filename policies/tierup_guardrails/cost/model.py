"""The estimate's data: what the estimator reads (resources, prices) and what it produces (lines)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HOURS_PER_MONTH = 730  # the convention of AWS's calculator and Infracost
PRICES_DIR = Path(__file__).resolve().parent / "prices"
PRICED, FREE, UNPRICED = "priced", "free", "unpriced"


class CostError(Exception):
    """The estimate cannot be made (no catalogue for the region); the message is one line."""


@dataclass(frozen=True)
class Price:
    """One unit price with where it comes from."""

    key: str
    usd: float
    unit: str
    source: str
    as_of: str
    derived: str | None = None
    """How the figure was derived when no price row gave it directly."""


@dataclass(frozen=True)
class PriceCatalogue:
    """Every unit price known for one region."""

    region: str
    retrieved: str
    prices: Mapping[str, Price]

    def get(self, key: str) -> Price | None:
        return self.prices.get(key)


def catalogue_path(region: str) -> Path:
    return PRICES_DIR / f"{region}.json"


def available_regions() -> list[str]:
    return sorted(path.stem for path in PRICES_DIR.glob("*.json"))


def load_catalogue(region: str) -> PriceCatalogue:
    """The region's catalogue; a region without one is a clear error, never $0."""
    path = catalogue_path(region)
    if not path.is_file():
        raise CostError(
            f"no price catalogue for {region}; available: {', '.join(available_regions())} (build one with `tierup prices refresh --region {region}`)"
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    prices = {key: Price(key=key, **entry) for key, entry in document["prices"].items()}
    return PriceCatalogue(region=document["region"], retrieved=document["retrieved"], prices=prices)


@dataclass(frozen=True)
class PricedResource:
    """The estimator's view of a resource, built from a synthesized graph or from the
    resources a stack policy receives."""

    urn: str
    type: str
    name: str
    tier: str
    props: Mapping[str, object]
    deps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Input name → URNs it was computed from."""
    region: str | None = None
    """The region its provider deploys it to; None is the stack's region."""


@dataclass(frozen=True)
class CostLine:
    """One priced (or free, or unpriced) item of the monthly bill."""

    tier: str
    resource: str
    resource_type: str
    item: str
    quantity: float
    unit: str
    price: Price | None
    status: str
    note: str = ""
    ceiling_quantity: float | None = None
    """The quantity at full scale (autoscaling maximum), when it differs."""
    region: str | None = None
    """The region whose catalogue priced the line, when it is not the stack's (None)."""

    @property
    def shown_item(self) -> str:
        """The item as reports print it: another region than the stack's is named."""
        return f"{self.item} [{self.region}]" if self.region else self.item

    @property
    def monthly(self) -> float:
        return round(self.quantity * self.price.usd, 4) if self.price and self.status == PRICED else 0.0

    @property
    def monthly_ceiling(self) -> float:
        quantity = self.quantity if self.ceiling_quantity is None else self.ceiling_quantity
        return round(quantity * self.price.usd, 4) if self.price and self.status == PRICED else 0.0


@dataclass(frozen=True)
class Estimate:
    """A stack's monthly estimate against its budget."""

    stack: str
    release: str
    region: str
    catalogue_retrieved: str
    budget_usd: float
    goal_usd: float
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)

    @property
    def ceiling(self) -> float:
        return round(sum(line.monthly_ceiling for line in self.lines), 2)

    @property
    def headroom(self) -> float:
        return round(self.budget_usd - self.total, 2)

    @property
    def unpriced(self) -> list[CostLine]:
        return [line for line in self.lines if line.status == UNPRICED]

    @property
    def within_budget(self) -> bool:
        return self.total <= self.budget_usd

    def by_tier(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.tier] = round(totals.get(line.tier, 0.0) + line.monthly, 2)
        return dict(sorted(totals.items()))
