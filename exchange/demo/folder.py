"""The demo's folder: one it marks as a demo store, holds alone while it runs, and clears only of its own.

`exchange demo` writes a store, keys, packets and a broker log into one folder, and without `--keep`
removes them afterwards. A folder given by the user may hold anything, so the demo
- writes the marker file `.exchange-demo` before anything else, and refuses a non-empty folder that does
  not carry it (it is not a demo store, whatever is in it stays untouched);
- holds an exclusive lock on the marker while it runs, so two demos never share one store;
- removes only the entries a demo writes (`DEMO_ENTRIES`), and the folder itself only when this run
  created it and nothing else is left in it.
By default every run gets a new folder of its own under `data_dir/demo`, so concurrent runs stay apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from exchange.errors import ExchangeError
from exchange.private_files import private_directory

MARKER = ".exchange-demo"

# Everything a demo run writes into its folder (run.py names its paths from these). Anything else found
# in a demo store was put there by someone else and is left alone.
STORE_FILE = "exchange.db"
BROKER_LOG = "broker.log"
AUTHORITIES = "authorities"
OUTBOX = "outbox"
CLAIMS = "claims"
INSTANCES = "instances"  # NL's and LU's own instances (their stores, claims) in the two-way exchange
DEMO_ENTRIES = (
    STORE_FILE,
    f"{STORE_FILE}-journal",
    f"{STORE_FILE}-wal",
    f"{STORE_FILE}-shm",
    BROKER_LOG,
    AUTHORITIES,
    OUTBOX,
    CLAIMS,
    INSTANCES,
)


class DemoFolderError(ExchangeError):
    """The folder cannot hold a demo: not a folder, someone else's files, or another demo running in it."""


@dataclass
class DemoFolder:
    """A folder this demo run holds: marked, locked, and whether the run created it."""

    path: Path
    created: bool
    _lock: IO[str]

    @classmethod
    def claim(cls, path: Path) -> DemoFolder:
        """Take `path` for a demo: new, empty, or an earlier demo's store (whose demo entries are cleared)."""
        if path.exists() and not path.is_dir():
            raise DemoFolderError(f"{path} is not a folder: give --data-dir a new or empty folder")
        created = not path.exists()
        private_directory(path)  # the demo's store holds (synthetic) tax data: private like the real one
        if not created and not (path / MARKER).is_file() and any(path.iterdir()):
            raise DemoFolderError(
                f"{path} is not empty and is not a demo store (no {MARKER} in it): "
                "give --data-dir a new or empty folder"
            )
        folder = cls(path, created, _lock_marker(path))
        folder._remove_demo_entries()  # an earlier demo's store: every run starts from an empty one
        return folder

    @classmethod
    def fresh(cls, parent: Path) -> DemoFolder:
        """A new folder of this run's own under `parent`, named by its start time."""
        private_directory(parent)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-")
        path = Path(tempfile.mkdtemp(prefix=stamp, dir=parent))
        return cls(path, True, _lock_marker(path))

    def release(self, *, keep: bool) -> None:
        """Unlock; unless `keep`, remove what the demo wrote, and the folder if this run made it."""
        try:
            if not keep:
                self._remove_demo_entries()
                (self.path / MARKER).unlink(missing_ok=True)
                if self.created:
                    with contextlib.suppress(OSError):  # not empty: someone put files there meanwhile
                        self.path.rmdir()
        finally:
            self._lock.close()

    def _remove_demo_entries(self) -> None:
        for name in DEMO_ENTRIES:
            entry = self.path / name
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)


def _lock_marker(path: Path) -> IO[str]:
    """Open (or write) the marker and hold an exclusive lock on it; another demo holding it is an error."""
    marker = (path / MARKER).open("a+", encoding="utf-8")
    try:
        fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        marker.close()
        raise DemoFolderError(
            f"another exchange demo is running in {path}: wait for it or give another --data-dir"
        ) from None
    marker.truncate(0)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    marker.write(f"exchange demo store (process {os.getpid()}, started {started})\n")
    marker.flush()
    return marker
