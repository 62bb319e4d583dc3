"""CloudWatch metrics over a window, hour by hour; missing data stays missing (never zero)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

HOUR = 3600


@dataclass(frozen=True)
class Series:
    """Hourly values of one metric statistic (empty when CloudWatch has no data)."""

    values: tuple[float, ...]

    @property
    def has_data(self) -> bool:
        return bool(self.values)

    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    def share_above(self, threshold: float) -> float:
        return sum(1 for v in self.values if v > threshold) / len(self.values)


def hourly(cloudwatch: Any, namespace: str, metric: str, dimensions: dict[str, str], statistic: str, days: int, now: datetime | None = None) -> Series:
    """`statistic` as the thresholds table writes it: Average, Sum, ... or a percentile (p95),
    which CloudWatch returns among the extended statistics."""
    end = now or datetime.now(UTC)
    percentile = statistic.startswith("p")
    response = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=end - timedelta(days=days),
        EndTime=end,
        Period=HOUR,
        **({"ExtendedStatistics": [statistic]} if percentile else {"Statistics": [statistic]}),
    )
    points = sorted(response["Datapoints"], key=lambda p: p["Timestamp"])
    values = [p.get("ExtendedStatistics", {}).get(statistic) if percentile else p.get(statistic) for p in points]
    return Series(tuple(float(v) for v in values if v is not None))
