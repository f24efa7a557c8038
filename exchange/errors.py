"""Errors a user or an operator can cause. The CLI prints them as one line, never as a traceback."""

from __future__ import annotations


class ExchangeError(Exception):
    """Base of the product's expected failures: the message is safe to show and to log."""


class ConfigError(ExchangeError):
    """The settings, a config file or a command-line value are wrong."""


class ServiceUnavailableError(ExchangeError):
    """A service the command needs (database, broker) cannot be reached or started."""
