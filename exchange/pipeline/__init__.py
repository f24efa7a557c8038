"""The chain that turns one received packet into a stored outcome and an answer to its sender."""

from exchange.pipeline.process import Pipeline, PipelineResult, packet_digest, process_packet

__all__ = ["Pipeline", "PipelineResult", "packet_digest", "process_packet"]
