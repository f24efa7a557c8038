"""Writing key material: new files only (never over an existing one), modes set whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

from crypto.errors import KeyStoreError

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PUBLIC_FILE_MODE = 0o644


def private_directory(path: Path) -> Path:
    """`path` and its missing parents, the ones created here readable by their owner only."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE)
        folder.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is filtered through the umask
    if not path.is_dir():
        raise KeyStoreError(f"{path} is not a directory")
    return path


def write_new_file(path: Path, data: bytes, mode: int) -> Path:
    """Create `path` with exactly `mode` and write `data`; an existing file is refused, not replaced."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise KeyStoreError(f"{path} exists already: choose another --name (nothing was replaced)") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # os.open's mode is filtered through the umask
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
