"""The `territoires-lod` command: build, validate, import-cog, serve."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ._errors import DataError, ValidationFailed
from ._namespaces import CANONICAL_BASE, Iris


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
    p_serve = sub.add_parser("serve", help="build dist/ if needed and say where the dumps are")
    p_serve.add_argument("--rebuild", action="store_true", help="build even if dist/ exists")
    args = parser.parse_args(argv)

    try:
        iris = Iris(args.base)
    except ValueError as exc:
        parser.error(f"--base: {exc}")
    try:
        return _COMMANDS[args.command](args, iris)
    except ValidationFailed as exc:
        sys.stdout.write(exc.report.text())
        print("territoires-lod: validation failed; nothing was written.", file=sys.stderr)
        return 1
    except DataError as exc:
        print(f"territoires-lod: {exc}\nNothing was written.", file=sys.stderr)
        return 2


def _project(args):
    from ._build import Project

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


def _serve(args, iris: Iris) -> int:
    project = _project(args)
    if args.rebuild or not (project.dist / "SHA256SUMS").exists():
        _build(argparse.Namespace(**{**vars(args), "quiet": False}), iris)
    print(f"The dumps are in {project.dist.resolve()}/ (the SPARQL endpoint comes with the server).")
    for name in sorted(p.name for p in project.dist.iterdir()):
        print(f"  {name}")
    return 0


_COMMANDS = {"build": _build, "validate": _validate, "import-cog": _import_cog, "serve": _serve}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
