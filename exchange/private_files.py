"""Folders and files only their owner may read: the store holds the tax data of every resident.

Whatever the umask, what the product creates for its data is 0700 (folders) and 0600 (files); the umask
can only take more away. Folders that already exist are left as they are: a store placed in a shared
folder such as /tmp must not change that folder's mode.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> None:
    """Create `path` and any missing parents, each 0700 (`Path.mkdir(parents=True)` would make the
    parents world-readable)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:  # another process made it meanwhile
            continue


def private_file(path: Path) -> bool:
    """Create an empty `path` with mode 0600 unless it exists; True when it was created here."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def tighten(path: Path) -> bool:
    """Take group and other permissions off a file of ours; True when its mode changed."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return False
    if status.st_mode & 0o077 == 0 or status.st_uid != os.geteuid():
        return False
    path.chmod(status.st_mode & FILE_MODE)
    return True
