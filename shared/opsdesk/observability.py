"""Logger and Metrics singletons (Powertools): structured JSON logs, EMF metrics on stdout."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="opsdesk")
metrics = Metrics(namespace="Opsdesk", service="opsdesk")

__all__ = ["MetricUnit", "logger", "metrics", "record"]


def record(
    name: str,
    value: float,
    unit: MetricUnit = MetricUnit.Count,
    *,
    priority: str | None = None,
    source: str | None = None,
    stage: str | None = None,
    trigger: str | None = None,
    period: str | None = None,
) -> None:
    """Emit one metric (an EMF line on stdout) with bounded dimensions only.

    CloudWatch bills every combination of dimension values as its own metric, so the only dimensions are the
    ones with a handful of values: priority, source, stage, trigger and report period. People, engineers and
    service names typed by users are never dimensions; their figures live in DynamoDB and the reports.
    """
    from aws_lambda_powertools.metrics import single_metric  # noqa: PLC0415

    dimensions = {"priority": priority, "source": source, "stage": stage, "trigger": trigger, "period": period}
    with single_metric(name=name, unit=unit, value=value, namespace="Opsdesk") as metric:
        metric.add_dimension(name="service", value="opsdesk")
        for key, dimension in dimensions.items():
            if dimension is not None:
                metric.add_dimension(name=key, value=dimension)
