"""The throwaway PostgreSQL cluster does not outlive a killed test process."""

from __future__ import annotations

from tests.services import assert_outlived_by_nothing


def test_postgres_dies_with_the_process_that_started_it() -> None:
    assert_outlived_by_nothing(
        "from tests.services import PostgresCluster\n"
        "import time\n"
        "c = PostgresCluster.start(); print(c.port, flush=True); time.sleep(60)\n"
    )
