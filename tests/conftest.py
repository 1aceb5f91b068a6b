"""Shared test fixtures.

``shared_data`` points at the read-only reference data beside the project (``../shared/data``, or
``$ARCHBENCH_SHARED_DATA``). Tests that use it skip on machines without the data, but fail when
``ARCHBENCH_REQUIRE_SHARED=1`` so a CI job that has the data cannot silently skip the cross-checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def shared_data_path() -> Path:
    """Where the reference data is expected: ``$ARCHBENCH_SHARED_DATA`` or ``<project>/../shared/data``."""
    env = os.environ.get("ARCHBENCH_SHARED_DATA")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses ``shared_data`` as ``shared`` so ``-m "not shared"`` deselects them."""
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the shared reference data; skip (or fail under ARCHBENCH_REQUIRE_SHARED=1) when absent."""
    path = shared_data_path()
    if not path.is_dir():
        reason = f"shared reference data not found at {path} (set ARCHBENCH_SHARED_DATA to its location)"
        if os.environ.get("ARCHBENCH_REQUIRE_SHARED") == "1":
            pytest.fail(f"{reason}; ARCHBENCH_REQUIRE_SHARED=1 forbids skipping", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory for the whole session, exported as ``ARCHBENCH_DATA``.

    Benchmarks are built into it from their PyPI packages on first use, so the suite exercises the
    same build path as a fresh machine and never touches the user's cache. ``$ARCHBENCH_TEST_DATA``
    reuses a directory across runs.
    """
    reuse = os.environ.get("ARCHBENCH_TEST_DATA")
    path = Path(reuse) if reuse else tmp_path_factory.mktemp("archbench-data")
    old = os.environ.get("ARCHBENCH_DATA")
    os.environ["ARCHBENCH_DATA"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ARCHBENCH_DATA", None)
    else:
        os.environ["ARCHBENCH_DATA"] = old


#: tables imported from ``../shared/data`` that several test modules read
#: what the shared tables fixture imports: (source, its path under ../shared/data, a table it writes)
IMPORTED_SOURCES = (("nb201-landscapes", "nb201_landscapes", "nb201/cifar10-valid"),
                    ("nb201-mini12", "nb201_mini12/mini-bench-arch-cell-accs.pd", "nb201-12ep/cifar10"),
                    ("help", "help_latency/raw", "nb201-latency/help"))


@pytest.fixture(scope="session")
def nb201_tables(shared_data: Path, data_dir: Path) -> Path:
    """The session's data directory with NB201 (200 and 12 epochs) and HELP's latency tables imported
    from ``../shared/data`` once (skipped with a reason when the shared data is absent). A source is
    imported only when its table is missing, so a test that imported one source earlier does not clash."""
    import bench
    from bench.errors import ArchBenchError
    from bench.importers.catalog import import_source

    for source, path, table in IMPORTED_SOURCES:
        try:
            bench.load(table)
        except ArchBenchError:
            import_source(source, shared_data / path, data_dir)
    return data_dir
