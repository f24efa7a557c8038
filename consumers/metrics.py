"""Prometheus metrics of `exchange run`: files by outcome, findings by code, bytes, time, lag, DLQ, and
the liveness gauges `exchange health` reads (last poll, last broker contact, what it waits for)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LAST_POLL = "exchange_last_poll_timestamp_seconds"
BROKER_CONTACT = "exchange_broker_contact_timestamp_seconds"
WAITING = "exchange_waiting"
WAITING_SERVICES = ("broker", "database")


class RunnerMetrics:
    """One registry per runner, so several runners (and tests) never share counters by accident."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.files = Counter(
            "exchange_files", "Inbound files processed, by outcome.", ["outcome"], registry=self.registry
        )
        self.findings = Counter(
            "exchange_findings",
            "Findings reported to senders, by OECD code.",
            ["code"],
            registry=self.registry,
        )
        self.bytes = Counter(
            "exchange_inbound_bytes", "Bytes of inbound packets processed.", registry=self.registry
        )
        self.seconds = Histogram(
            "exchange_file_seconds",
            "Seconds to process one file, end to end.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800),
            registry=self.registry,
        )
        self.lag = Gauge(
            "exchange_consumer_lag",
            "Records waiting in each inbound partition.",
            ["topic", "partition"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "exchange_dlq", "Records sent to the dead-letter topic.", registry=self.registry
        )
        self.rebalances = Counter(
            "exchange_rebalances", "Partition assignments received by this runner.", registry=self.registry
        )
        self.retries = Counter(
            "exchange_retries", "Retries after a transient failure (database down).", registry=self.registry
        )

        self.last_poll = Gauge(
            LAST_POLL,
            "Unix time of the runner's last poll of its partitions (a file in hand does not stop it).",
            registry=self.registry,
        )
        self.broker_contact = Gauge(
            BROKER_CONTACT,
            "Unix time the broker last answered the runner's topic check or confirmed a publish.",
            registry=self.registry,
        )
        self.waiting = Gauge(
            WAITING,
            "1 while the runner waits for a service to come back (broker, database), else 0.",
            ["service"],
            registry=self.registry,
        )
        for service in WAITING_SERVICES:
            self.waiting.labels(service=service).set(0)
        self.publish_retries = Counter(
            "exchange_publish_retries",
            "Publishes retried because the broker did not take them or listed no such topic.",
            registry=self.registry,
        )
        self.topics_recreated = Counter(
            "exchange_topics_recreated",
            "Product topics found missing on the broker and created again.",
            registry=self.registry,
        )

    def serve(self, port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 - scraped from outside the container
        start_http_server(port, addr=host, registry=self.registry)
