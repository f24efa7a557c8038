"""The product's main job on the embedded default: partners, packets, the pipeline, the summary."""
