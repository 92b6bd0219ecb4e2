"""The SPARQL endpoint (FastAPI): `create_app(engine=…, settings=…)` and `serve(…)`.

Engines: EmbeddedEngine (pyoxigraph in forked worker processes, the default), RemoteEngine
(any SPARQL 1.1 endpoint through SPARQLWrapper), InProcessEngine (pyoxigraph in a thread).
This package reads only RDF files (the dumps); it never reads data/.
"""

from importlib import import_module

# Imported on first use (PEP 562): the query workers, forked from a process that has imported this
# package, then do not carry FastAPI, Starlette, pydantic and uvicorn (about 30 MiB each).
_EXPORTS = {"Settings": "_answer", "create_app": "_app", "get_cache": "_app", "get_engine": "_app",
            "get_settings": "_app", "EmbeddedEngine": "_engine", "Engine": "_engine",
            "InProcessEngine": "_engine", "RemoteEngine": "_remote", "serve": "_serve"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
