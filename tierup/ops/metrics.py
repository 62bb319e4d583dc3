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
    end = now or datetime.now(UTC)
    response = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=end - timedelta(days=days),
        EndTime=end,
        Period=HOUR,
        Statistics=[statistic],
    )
    points = sorted(response["Datapoints"], key=lambda p: p["Timestamp"])
    return Series(tuple(float(p[statistic]) for p in points))
