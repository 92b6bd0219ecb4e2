"""The SPARQL endpoint (FastAPI): `create_app(engine=…, settings=…)` and `serve(…)`.

Engines: EmbeddedEngine (pyoxigraph in forked worker processes, the default), RemoteEngine
(any SPARQL 1.1 endpoint through SPARQLWrapper), InProcessEngine (pyoxigraph in a thread).
This package reads only RDF files (the dumps); it never reads data/.
"""

from .._exports import lazy_exports

# Imported on first use: the query workers, forked from a process that has imported this package,
# then do not carry FastAPI, Starlette, pydantic and uvicorn.
_EXPORTS = {"Settings": "_answer", "create_app": "_app", "get_cache": "_app", "get_engine": "_app",
            "get_settings": "_app", "EmbeddedEngine": "_engine", "Engine": "_engine",
            "InProcessEngine": "_engine", "RemoteEngine": "_remote", "serve": "_serve"}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
