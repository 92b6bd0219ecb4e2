"""The SPARQL endpoint (FastAPI): `create_app(engine=…, settings=…)` and `serve(…)`.

Engines: EmbeddedEngine (pyoxigraph in forked worker processes, the default), RemoteEngine
(any SPARQL 1.1 endpoint through SPARQLWrapper), InProcessEngine (pyoxigraph in a thread).
This package reads only RDF files (the dumps); it never reads data/.
"""

from ._answer import Settings
from ._app import create_app, get_cache, get_engine, get_settings
from ._engine import EmbeddedEngine, Engine, InProcessEngine
from ._remote import RemoteEngine
from ._serve import serve

__all__ = ["EmbeddedEngine", "Engine", "InProcessEngine", "RemoteEngine", "Settings", "create_app",
           "get_cache", "get_engine", "get_settings", "serve"]
