"""The key that signs the console's cookies: never a constant in the code, made once per installation.

Read from `console_secret_file` (default data_dir/console/secret); on first use 32 random bytes are
written there, private to the owner (0600, folders 0700). Consoles that share an address behind a load
balancer share the file, so each accepts the others' cookies.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from exchange.errors import ConfigError
from exchange.private_files import private_directory

_MIN_BYTES = 32


def console_secret(path: Path) -> bytes:
    """The secret in `path`, made there if the file does not exist."""
    if not path.exists():
        private_directory(path.parent)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another console made it meanwhile: read theirs
        else:
            with os.fdopen(descriptor, "w") as stream:
                stream.write(secrets.token_hex(_MIN_BYTES) + "\n")
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the console's secret {path}: {exc.strerror or exc}") from None
    if len(text) < _MIN_BYTES:
        raise ConfigError(
            f"the console's secret {path} is shorter than {_MIN_BYTES} characters: remove it to have one made"
        )
    if path.stat().st_mode & 0o077:
        raise ConfigError(f"the console's secret {path} may be read by others: `chmod 600 {path}`")
    return text.encode()
