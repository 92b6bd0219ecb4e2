import pytest

from territoires_lod._cli import main

from .conftest import copy_project


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_build_prints_counts_and_progress(tmp_path, capsys):
    project = copy_project(tmp_path)
    code, out, err = run(capsys, "--root", str(project.root), "build")
    assert code == 0
    assert "triples" in out and "named graphs" in out
    assert "validating" in err and "writing dumps" in err


def test_validate_reports_and_exits_non_zero(tmp_path, capsys):
    project = copy_project(tmp_path)
    code, out, _ = run(capsys, "--root", str(project.root), "validate")
    assert (code, out) == (0, "Conforms: no violation.\n")
    path = project.data / "counts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("territoires,9,region/76", "territoires,7,region/76"),
                    encoding="utf-8")
    code, out, _ = run(capsys, "--root", str(project.root), "validate")
    assert code == 1
    assert "focus:" in out and "path:" in out and "message:" in out and "violation(s)" in out


def test_build_failure_message(tmp_path, capsys):
    project = copy_project(tmp_path)
    path = project.data / "counts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",124,", ",12x,"), encoding="utf-8")
    code, _, err = run(capsys, "--root", str(project.root), "build")
    assert code == 2
    assert "counts.csv:2: value: not an integer" in err and "Nothing was written." in err
    assert not project.dist.exists()


def test_validation_failure_exit_code(tmp_path, capsys):
    project = copy_project(tmp_path)
    path = project.data / "counts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("territoires,9,region/76", "territoires,7,region/76"),
                    encoding="utf-8")
    code, out, err = run(capsys, "--root", str(project.root), "build")
    assert code == 1 and "validation failed; nothing was written" in err and "violation" in out


def test_serve_builds_when_needed_then_serves(tmp_path):
    import httpx

    from .conftest import LiveServer

    project = copy_project(tmp_path)
    with LiveServer(root=project.root) as server:
        response = httpx.get(server.url, params={"query": "ASK { ?s ?p ?o }"})
        assert response.json()["boolean"] is True
        # The build ran in a process of its own: the server's carry none of its modules (PyYAML's
        # compiled parser read the sources).
        with open(f"/proc/{server.process.pid}/maps", encoding="ascii", errors="replace") as f:
            assert "_yaml" not in f.read()
    assert (project.dist / "territoires-industrie.nq").exists()
    assert "validating" in server.process.stderr.read()


def test_serve_that_must_build_stops_on_bad_data(tmp_path):
    import subprocess
    import sys

    project = copy_project(tmp_path)
    first = next(project.data.glob("*.csv"))
    first.write_text(first.read_text(encoding="utf-8") + "not,a,row,that,fits\n", encoding="utf-8")
    # (Were the build to pass, the port out of range would stop the server: exit code 2 too.)
    done = subprocess.run([sys.executable, "-m", "territoires_lod._cli", "--root", str(project.root), "serve",
                           "--port", "70000"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Nothing was written" in done.stderr
    assert not (project.dist / "SHA256SUMS").exists()


def test_bad_base_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--base", "https://example.org/no-slash", "build"])
    assert info.value.code == 2
    assert "--base" in capsys.readouterr().err


def test_other_base(tmp_path, capsys):
    project = copy_project(tmp_path)
    code, _, _ = run(capsys, "--root", str(project.root), "--base", "https://example.org/ti/", "build", "--quiet")
    assert code == 0
    assert "https://example.org/ti/id/commune/11262" in (project.dist / "territoires-industrie.nt").read_text()


def test_import_cog_command(tmp_path, capsys):
    from .test_cog import PACKAGE_DIR, require_package

    require_package()
    project = copy_project(tmp_path)
    code, out, _ = run(capsys, "--root", str(project.root), "import-cog", "--package", str(PACKAGE_DIR))
    assert code == 0 and "cog.yaml" in out
    code, _, err = run(capsys, "--root", str(project.root), "import-cog", "--package", str(tmp_path / "none"))
    assert code == 2 and "npm ci" in err


def test_serve_on_a_port_already_taken_says_so(capsys, dist):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", str(port), "--fronts", "2",
                           "--data", str(dist / "territoires-industrie.nq"))
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port} (--host, --port): Address already in use" in err
    assert "Traceback" not in err
