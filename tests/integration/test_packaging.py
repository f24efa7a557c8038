"""An installed wheel, not only this checkout, finds its schemas and migrations (importlib.resources)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

PROBE = """
import json, pathlib, exchange, xsd
from exchange import db
engine = db.create_db_engine("sqlite:///" + str(pathlib.Path.cwd() / "probe.db"))
print(json.dumps({
    "exchange": exchange.__file__,
    "schemas": sorted(f.name + "/" + x.name for f in xsd.schema_root().iterdir() if f.is_dir()
                      for x in f.iterdir() if x.name.endswith(".xsd")),
    "revision": db.upgrade(engine),
}))
"""


def test_wheel_ships_schemas_and_migrations(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("exchange-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    # -I would drop the venv's dependencies; PYTHONPATH puts the wheel's copy before the editable checkout.
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["exchange"].startswith(str(target))
    shipped = sorted(f"{p.parent.name}/{p.name}" for p in (REPO_ROOT / "xsd").glob("*/*.xsd"))
    assert found["schemas"] == shipped
    assert found["revision"] is not None
