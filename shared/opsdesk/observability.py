"""Logger and Metrics singletons (Powertools): structured JSON logs, EMF metrics on stdout."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="opsdesk")
metrics = Metrics(namespace="Opsdesk", service="opsdesk")

__all__ = ["MetricUnit", "logger", "metrics"]


def record(name: str, value: float, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
    """Emit one metric with its own dimensions (an EMF line on stdout)."""
    from aws_lambda_powertools.metrics import single_metric  # noqa: PLC0415

    with single_metric(name=name, unit=unit, value=value, namespace="Opsdesk") as metric:
        metric.add_dimension(name="service", value="opsdesk")
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
