"""The transmission gateway between instances on one broker (the demo's): what an authority publishes
for a partner (its outbound topic, its status topic, each keyed by the addressee) goes to that
partner's inbound topic, keyed by the sender, as a partner's gateway would deliver it.

It remembers how far it read each partition, so that a record is carried once, and what was on a topic
before it started (`skip`) is not carried at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


class Gateway:
    def __init__(self, bootstrap_servers: str) -> None:
        self.servers = bootstrap_servers
        self.positions: dict[TopicPartition, int] = {}

    async def skip(self, topic: str) -> None:
        """Carry nothing of what `topic` holds now."""
        consumer = await self._consumer()
        try:
            partitions = await self._partitions(consumer, topic)
            self.positions.update(await consumer.end_offsets(partitions))
        finally:
            await consumer.stop()

    async def carry(self, topic: str, inbound: Mapping[str, str], sender: str) -> dict[str, int]:
        """Each record on `topic` not carried yet goes to the inbound topic of its key's authority
        (`inbound`: authority -> its inbound topic), keyed by `sender`; how many went to each."""
        consumer = await self._consumer()
        producer = AIOKafkaProducer(
            bootstrap_servers=self.servers, acks="all", max_request_size=16 * 1024 * 1024
        )
        await producer.start()
        carried: dict[str, int] = {}
        try:
            partitions = await self._partitions(consumer, topic)
            ends = await consumer.end_offsets(partitions)
            consumer.assign(partitions)
            for partition in partitions:
                consumer.seek(partition, self.positions.get(partition, 0))
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    for record in batch:
                        addressee = (record.key or b"").decode()
                        if addressee in inbound:
                            await producer.send_and_wait(
                                inbound[addressee],
                                record.value,
                                key=sender.encode(),
                                headers=list(record.headers),
                            )
                            carried[addressee] = carried.get(addressee, 0) + 1
            self.positions.update(ends)
        finally:
            await producer.stop()
            await consumer.stop()
        return carried

    async def _consumer(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.servers, enable_auto_commit=False)
        await consumer.start()
        return consumer

    async def _partitions(self, consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
        found = consumer.partitions_for_topic(topic)
        if not found:
            await consumer._client.force_metadata_update()  # a topic created a moment ago
            found = consumer.partitions_for_topic(topic) or set()
        return [TopicPartition(topic, partition) for partition in sorted(found)]
