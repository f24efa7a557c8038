"""The Kafka side of the product: consumers, producers, topic setup and the embedded broker."""
