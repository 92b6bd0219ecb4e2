"""`territoires-lod serve`: load the data, fork the query workers, run uvicorn."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from ._answer import Settings


def default_workers() -> int:
    # One more worker than cores: a query running into its time limit still leaves every core
    # a worker for cheap queries.
    return (os.cpu_count() or 1) + 1


def make_engine(*, data: list[Path], backend: str | None, workers: int, settings: Settings):
    if backend:
        from ._remote import RemoteEngine

        return RemoteEngine(backend, max_result_bytes=settings.max_result_bytes)
    from ._engine import EmbeddedEngine

    return EmbeddedEngine(data, workers=workers, max_result_bytes=settings.max_result_bytes)


def serve(*, host: str, port: int, data: list[Path], backend: str | None = None, workers: int | None = None,
          settings: Settings | None = None, log_level: str = "info") -> None:
    import uvicorn

    from ._app import create_app

    settings = settings or Settings()
    start = time.perf_counter()
    engine = make_engine(data=data, backend=backend, workers=workers or default_workers(), settings=settings)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s: %(message)s")
    what = f"backend {backend}" if backend else f"{engine.stats.triples} triples from {', '.join(map(str, data))}"
    print(f"territoires-lod: serving {what} on http://{host}:{port}/sparql "
          f"(loaded in {time.perf_counter() - start:.2f}s)", file=sys.stderr)
    app = create_app(engine=engine, settings=settings)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                timeout_graceful_shutdown=2)
