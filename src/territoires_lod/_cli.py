"""The `territoires-lod` command: build, validate, import-cog, serve, publish, link."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from ._base import CANONICAL_BASE, checked_base
from ._errors import DataError, ValidationFailed
from ._link_sources import INSEE_SPARQL, WIKIDATA_SPARQL

if TYPE_CHECKING:
    from ._namespaces import Iris


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="territoires-lod",
                                     description="Publish the Territoires d’industrie announcement as linked data.")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="project folder holding data/, shapes/, queries/, ontology/ (default: .)")
    parser.add_argument("--base", default=os.environ.get("TERRITOIRES_LOD_BASE", CANONICAL_BASE),
                        help=f"base of the minted IRIs (default: {CANONICAL_BASE}, or $TERRITOIRES_LOD_BASE)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="validate the data, then write dist/")
    p_build.add_argument("--quiet", action="store_true", help="print no progress")
    sub.add_parser("validate", help="print a validation report; exit 1 on any violation")
    p_cog = sub.add_parser("import-cog", help="extract what data/ needs from the COG package into data/cog.yaml")
    p_cog.add_argument("--package", type=Path, default=Path("node_modules/@etalab/decoupage-administratif"),
                       help="folder of the installed npm package @etalab/decoupage-administratif")
    p_serve = sub.add_parser("serve", help="serve the dataset: SPARQL endpoint at /sparql (builds dist/ if missing)")
    p_serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p_serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p_serve.add_argument("--workers", type=int, default=None,
                         help="query worker processes per front for ordinary queries, and as many again for "
                              "long ones (default: cores / fronts, at least 1)")
    p_serve.add_argument("--store", choices=("memory", "disk"), default="memory",
                         help="where the query workers read the data: memory (fastest; memory grows with the "
                              "workers) or disk (a temporary on-disk store shared through the page cache: "
                              "several times less memory, scans 2-3 times slower) (default: memory)")
    p_serve.add_argument("--fronts", type=int, default=None,
                         help="HTTP front processes sharing the port, each with its workers and a share of "
                              "the result cache (default: cores)")
    p_serve.add_argument("--data", type=Path, nargs="+", metavar="FILE",
                         help="serve these RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD) "
                              "instead of dist/")
    p_serve.add_argument("--backend", metavar="URL",
                         help="answer queries with this SPARQL 1.1 endpoint instead of the embedded store")
    p_serve.add_argument("--backend-refresh", type=float, default=30.0, metavar="SECONDS",
                         help="with --backend: the longest an answer is kept (and its max-age); sooner when "
                              "the backend's data changes, seen from its catalogue's checksums (read every "
                              "second) or else its size (counted this often); 0: never (default: 30)")
    p_serve.add_argument("--timeout", type=float, default=10.0, help="time limit of a query in seconds (default: 10)")
    p_serve.add_argument("--max-query-bytes", type=int, default=64 * 1024, help="largest query accepted (default: 65536)")
    p_serve.add_argument("--max-query-memory-mb", type=int, default=1024,
                         help="memory a query may take in its worker, beyond the shared store; past it the "
                              "query is stopped (default: 1024 MiB; 0: no limit)")
    p_serve.add_argument("--max-result-mb", type=int, default=64, help="largest result served (default: 64 MiB)")
    p_serve.add_argument("--cache-mb", type=int, default=128, help="result cache size (default: 128 MiB)")
    p_serve.add_argument("--rebuild", action="store_true", help="build dist/ even if it exists")
    p_pub = sub.add_parser("publish", help="load dist/ into a SPARQL Graph Store Protocol endpoint")
    p_pub.add_argument("url", help="Graph Store Protocol URL, e.g. http://localhost:7878/store")
    p_pub.add_argument("--no-default-union", dest="default_union", action="store_false",
                       help="do not PUT the union of all graphs as the default graph")
    p_link = sub.add_parser("link", help="reconcile places and organisations with Wikidata and INSEE; "
                                          "update data/linkset.csv; exit 3 on conflicts")
    p_link.add_argument("--wikidata", default=WIKIDATA_SPARQL, metavar="URL",
                        help=f"Wikidata SPARQL endpoint (default: {WIKIDATA_SPARQL})")
    p_link.add_argument("--insee", default=INSEE_SPARQL, metavar="URL",
                        help=f"INSEE SPARQL endpoint (default: {INSEE_SPARQL})")
    p_link.add_argument("--date", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                        help="retrieval date written on new rows (default: today)")
    p_link.add_argument("--timeout", type=float, default=60.0, help="time limit of each query in seconds (default: 60)")
    p_link.add_argument("--dry-run", action="store_true", help="print the table, write nothing")
    args = parser.parse_args(argv)
    args.command_line = argv is None  # this process runs the command itself: it may run it again

    try:
        checked_base(args.base)
    except ValueError as exc:
        parser.error(f"--base: {exc}")
    # `serve` mints no IRI unless it builds: it makes its own then, so that the query workers it
    # forks do not carry rdflib.
    iris = None if args.command == "serve" else _iris(args.base)
    return _run(_COMMANDS[args.command], args, iris)


def _run(command, args, iris: Iris | None) -> int:
    """`command(args, iris)`, its data and validation errors told as the command line tells them."""
    try:
        return command(args, iris)
    except ValidationFailed as exc:
        sys.stdout.write(exc.report.text())
        print("territoires-lod: validation failed; nothing was written.", file=sys.stderr)
        return 1
    except DataError as exc:
        print(f"territoires-lod: {exc}\nNothing was written.", file=sys.stderr)
        return 2


def _iris(base: str) -> Iris:
    from ._namespaces import Iris

    return Iris(base)


def _project(args):
    from ._project import Project

    return Project(args.root)


def _progress(quiet: bool = False):
    from ._build import Progress

    return Progress(lambda m: print(m, file=sys.stderr)) if not quiet else (lambda _m: None)


def _build(args, iris: Iris) -> int:
    from ._build import build

    result = build(_project(args), iris=iris, progress=_progress(args.quiet))
    union = {(s, p, o) for s, p, o, _ in result.dataset.quads((None, None, None, None))}
    graphs = [g for g in result.dataset.graphs() if len(g)]
    print(f"{len(union)} triples, {len(graphs)} named graphs; "
          f"{len(result.files)} files in {_project(args).dist}/")
    return 0


def _build_in_child(args) -> int:
    """`build` in a forked process: the server's processes, forked from this one, then carry
    none of the build's modules (rdflib, pySHACL) or memory."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70  # EX_SOFTWARE: a failure nobody foresaw (its traceback is printed)
        try:
            code = _run(_build, args, _iris(args.base))
        except BaseException:  # noqa: BLE001 - told, then this process ends with the code above
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _validate(args, iris: Iris) -> int:
    from ._build import check_dataset

    _, report = check_dataset(_project(args), iris=iris, progress=_progress())
    sys.stdout.write(report.text())
    return 0 if report.conforms else 1


def _import_cog(args, iris: Iris) -> int:
    from ._cog import import_cog

    target = import_cog(package_dir=args.package, data_dir=_project(args).data)
    print(f"wrote {target}")
    return 0


def _serve(args, iris: Iris | None) -> int:
    from ._allocator import exec_with_mimalloc  # not from .server, whose imports take a quarter second

    if args.command_line:  # not when called from Python: that would replace the caller's process
        exec_with_mimalloc()  # returns unless it runs this command again, with mimalloc
    from .server import Settings, serve
    from .server._serve import SiteOptions

    data = args.data
    project = _project(args)
    site = SiteOptions(yasgui_dir=args.root / "node_modules/@zazuko/yasgui/build",
                       examples=tuple(_examples(args.root / "queries" / "examples")))
    if data is None and args.backend is None:
        if args.rebuild or not (project.dist / "SHA256SUMS").exists():
            code = _build_in_child(argparse.Namespace(**{**vars(args), "quiet": False}))
            if code:
                return code
        print(f"The dumps are in {project.dist.resolve()}/", file=sys.stderr)
        data = [project.dist / "territoires-industrie.nq"]
    if args.data is None and (project.dist / "SHA256SUMS").exists():
        site = SiteOptions(dist_dir=project.dist, examples=site.examples, yasgui_dir=site.yasgui_dir)
    for path in data or ():
        if not path.is_file():
            print(f"territoires-lod: --data: {path}: no such file", file=sys.stderr)
            return 2
    settings = Settings(timeout=args.timeout, max_query_bytes=args.max_query_bytes,
                        max_result_bytes=args.max_result_mb << 20, cache_bytes=args.cache_mb << 20,
                        max_query_memory_bytes=args.max_query_memory_mb << 20)
    try:
        serve(host=args.host, port=args.port, data=data or [], backend=args.backend, workers=args.workers,
              fronts=args.fronts, settings=settings, site=site, on_disk=args.store == "disk",
              backend_refresh=args.backend_refresh)
    except ValueError as exc:  # unreadable data file, or the port taken
        print(f"territoires-lod: {exc}", file=sys.stderr)
        return 2
    return 0


def _examples(folder: Path) -> list[dict]:
    """The example queries as the query UI's tabs; the federated ones are left out (the endpoint
    refuses SERVICE: they are for other clients)."""
    from ._examples import load_examples

    if not folder.is_dir():
        return []
    return [{"title": e.title, "description": e.description, "query": e.text}
            for e in load_examples(folder) if not e.federated]


def _publish(args, iris: Iris) -> int:
    from ._publish import PublishError, publish

    project = _project(args)
    if not (project.dist / "territoires-industrie.nq").exists():
        _build(argparse.Namespace(**{**vars(args), "quiet": False}), iris)
    try:
        sent = publish(url=args.url, dist_dir=project.dist, default_union=args.default_union,
                       catalogue_graph=str(iris.catalogue), progress=_progress())
    except PublishError as exc:
        print(f"territoires-lod: {exc}", file=sys.stderr)
        return 1
    print(f"published {sum(sent.values())} triples in {len(sent)} graphs to {args.url}")
    return 0


def _iso_date(text: str) -> str:
    import datetime

    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _link(args, iris: Iris) -> int:
    import datetime

    from ._link import link
    from ._link_sources import ServiceError

    for option, url in (("--wikidata", args.wikidata), ("--insee", args.insee)):
        if not url.startswith(("http://", "https://")):
            print(f"territoires-lod: {option}: not an http(s) URL: {url!r}", file=sys.stderr)
            return 2
    try:
        return link(data_dir=_project(args).data, wikidata=args.wikidata, insee=args.insee,
                    retrieved=args.date or datetime.date.today().isoformat(), dry_run=args.dry_run,
                    timeout=args.timeout)
    except ServiceError as exc:
        print(f"territoires-lod: {exc}\nNothing was written.", file=sys.stderr)
        return 2


_COMMANDS = {"build": _build, "validate": _validate, "import-cog": _import_cog, "serve": _serve,
             "publish": _publish, "link": _link}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
