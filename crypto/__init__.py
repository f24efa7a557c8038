"""Packets (CTS and IDES profiles), keys and the partner trust store, AES/RSA, XML signatures."""
