"""``python -m build`` makes an sdist and a wheel, and the wheel works on its own: installed into fresh
venvs as a pip user would (the SDK alone, then each extra), every console script answers ``--help``
and one real command, and a missing extra is the ``pip install`` line to run, never a traceback.

Marked ``wheel`` (``pytest -m "not wheel"`` leaves it out). Cost, measured on the 2-core machine
under a load of 3 (``/usr/bin/time pytest tests/packaging``): about 45 s wall and 45 s of CPU: the
build (2 s), pip installing the wheel into three venvs made without pip of their own, ``--no-compile``
(the [server] and [agno] ones in the background while the SDK venv's steps run), one contract check
(``--max-examples 1``) and one generate; every command is bounded by a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue

import httpx
import pytest

from agentos_contract.clauses import CLAUSES, TESTS_LOCATION

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agentos_factories", "agentos_reference", "agentos_contract", "agentos_stubs")
LISTENING = "agentos-reference listening on "
PIP_SECONDS = 300
COMMAND_SECONDS = 120
BACKGROUND = ("server", "agno")

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(900)]


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """``python -m build``: the sdist, then the wheel built from the unpacked sdist (so the sdist is
    proved complete enough to build from). Without isolation: the venv's pinned hatchling builds."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (sdist,) = out.glob("agentos_factories-*.tar.gz")
    (wheel,) = out.glob("agentos_factories-*-py3-none-any.whl")
    return Dist(sdist, wheel)


def test_the_sdist_is_the_complete_source(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    tracked = subprocess.run(
        ["git", "ls-files", "sdk", "reference_server", "contract_tests", "stubs", "tests", "docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode == 0:  # a git checkout: every tracked file of these folders is shipped
        missing = sorted(set(tracked.stdout.split()) - names)
        assert not missing, f"tracked but not in the sdist: {missing}"
    for name in ("pyproject.toml", "README.md", "constraints.txt", "Makefile", "tests/conftest.py"):
        assert name in names
    # The test ids `agentos-contract clauses` names for library-only clauses are in the sdist.
    for clause in CLAUSES:
        for node in clause.test_nodes:
            assert node.partition("::")[0] in names, f"{clause.id}: {node} is not in the sdist"
    assert not [name for name in names if name.startswith(("bench/", ".venv"))]


def test_the_wheel_is_the_four_packages_and_their_console_scripts(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = wheel.namelist()
        info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/METADATA"))
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert {name.split("/")[0] for name in names} == {*PACKAGES, info}
    assert "agentos-contract = agentos_contract._console:main" in entry_points
    assert "agentos-factories = agentos_factories.codegen.cli:main" in entry_points
    assert "agentos-reference = agentos_reference._console:main" in entry_points
    for package in PACKAGES:
        assert f"{package}/py.typed" in names


@dataclass
class Venv:
    """A fresh venv without pip of its own; this venv's pip installs into it (``pip --python``),
    with the pins of constraints.txt for the venv's Python."""

    path: Path
    wheel: Path
    extras: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, path: Path, wheel: Path) -> Venv:
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=COMMAND_SECONDS
        )
        return cls(path, wheel)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def install(self, *requirements: str) -> None:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "pip", "--python", str(self.python), "install", "--quiet"),
                # No .pyc compiled ahead: a third of the time for the few modules these runs import.
                *("--no-compile", "--disable-pip-version-check", "-c", str(ROOT / "constraints.txt")),
                *requirements,
            ],
            capture_output=True,
            text=True,
            timeout=PIP_SECONDS,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def install_extra(self, extra: str) -> None:
        self.install(f"{self.wheel}[{extra}]")
        self.extras.append(extra)

    def run(self, program: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.path / "bin" / program), *args],
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
            cwd=cwd or self.path,
        )

    @contextmanager
    def serving(self, db: Path) -> Iterator[str]:
        """``agentos-reference serve --with-probes`` on a free loopback port until the block ends."""
        process = subprocess.Popen(
            [
                *(str(self.path / "bin" / "agentos-reference"), "serve", "--port", "0", "--db", str(db)),
                *("--with-probes", "--log-level", "warning"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines: Queue[str] = Queue()
        seen: list[str] = []

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        try:
            deadline = time.monotonic() + 60
            url = None
            while url is None:
                assert process.poll() is None, "".join(seen)
                assert time.monotonic() < deadline, "".join(seen)
                try:
                    line = lines.get(timeout=0.2)
                except Empty:
                    continue
                seen.append(line)
                if line.startswith(LISTENING):
                    url = line[len(LISTENING) :].strip()
            # The address is printed before uvicorn listens: wait for its first answer.
            while not _healthy(url):
                assert time.monotonic() < deadline, "the server never answered /health"
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _exits_2_with_the_pip_line(done: subprocess.CompletedProcess[str], extra: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"pip install 'agentos-factories[{extra}]'" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def _venv_with_extra(dist: Dist, path: Path, extra: str) -> Venv:
    venv = Venv.create(path, dist.wheel)
    venv.install_extra(extra)
    return venv


@pytest.fixture(scope="module")
def extra_venvs(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[Venv]]]:
    """The [server] and [agno] venvs, installed in the background while the SDK venv's steps run
    (pip is mostly one process waiting on one core; CI has two)."""
    root = tmp_path_factory.mktemp("venv")
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {extra: pool.submit(_venv_with_extra, dist, root / extra, extra) for extra in BACKGROUND}


@pytest.fixture
def server_venv(extra_venvs: dict[str, Future[Venv]]) -> Venv:
    return extra_venvs["server"].result(timeout=PIP_SECONDS)


def _metadata_version(venv: Venv) -> str:
    program = "import importlib.metadata as m; print(m.version('agentos-factories'))"
    return venv.run("python", "-c", program).stdout.strip()


def test_the_sdk_alone_then_the_contract_stubs_and_codegen_extras(
    dist: Dist, extra_venvs: dict[str, Future[Venv]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    venv = Venv.create(tmp_path_factory.mktemp("venv") / "user", dist.wheel)
    work = tmp_path_factory.mktemp("work")

    # The SDK alone: httpx, pydantic, typing-extensions; the commands say which extra to install.
    venv.install(str(dist.wheel))
    version = venv.run("python", "-c", "import agentos_factories as sdk; print(sdk.__version__)")
    assert version.stdout.strip() == _metadata_version(venv) != "0+unknown"
    _exits_2_with_the_pip_line(venv.run("agentos-contract", "--help"), "contract")
    _exits_2_with_the_pip_line(venv.run("agentos-reference", "--help"), "server")
    assert venv.run("agentos-factories", "--help").returncode == 0  # generate needs [codegen] to write
    library = venv.run("python", "-c", "from agentos_reference import ReferenceOS")
    assert "pip install 'agentos-factories[server]'" in library.stderr

    # A project's own pytest run: the plugins load and stay inert; --agentos-url names the extra.
    venv.install("pytest")
    (work / "test_app.py").write_text("def test_app():\n    assert True\n", encoding="utf-8")
    inert = venv.run("pytest", "-q", "-p", "no:cacheprovider", "test_app.py", cwd=work)
    assert inert.returncode == 0, inert.stdout + inert.stderr
    plugin = venv.run("pytest", "-p", "no:cacheprovider", "--agentos-url", "http://127.0.0.1:9", cwd=work)
    _exits_2_with_the_pip_line(plugin, "contract")

    # [contract]: the CLI lists clauses, judges a deployment, and ends quietly into a closed pipe.
    venv.install_extra("contract")
    assert venv.run("agentos-contract", "--help").returncode == 0
    clauses = venv.run("agentos-contract", "clauses")
    assert clauses.returncode == 0, clauses.stderr
    assert TESTS_LOCATION in clauses.stdout
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader left before the first line, as `| head` does after its tenth
    try:
        piped = subprocess.run(
            [str(venv.path / "bin" / "agentos-contract"), "clauses"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (piped.returncode, piped.stderr) == (141, "")
    _exits_2_with_the_pip_line(venv.run("agentos-reference", "--help"), "server")

    # [stubs]: the agentos_stub fixture in the project's tests.
    venv.install_extra("stubs")
    (work / "test_stub.py").write_text(
        "from agentos_factories import Client\n\n\n"
        "def test_checkout(agentos_stub):\n"
        "    agentos_stub.agent_factory('checkout-agent', reply=lambda ctx, message: 'ok ' + message)\n"
        "    with Client(agentos_stub.base_url) as client:\n"
        "        assert client.agents.run('checkout-agent', 'hi').content == 'ok hi'\n",
        encoding="utf-8",
    )
    stubbed = venv.run("pytest", "-q", "-p", "no:cacheprovider", "test_stub.py", cwd=work)
    assert stubbed.returncode == 0, stubbed.stdout + stubbed.stderr

    # Against the [server] venv's reference server: a contract check, then typed bindings, which
    # need [codegen] (the command says so without it).
    server_venv = extra_venvs["server"].result(timeout=PIP_SECONDS)
    with server_venv.serving(work / "reference.sqlite3") as url:
        report = work / "report.json"
        check = venv.run(
            "agentos-contract", "check", "--url", url, "--max-examples", "1", "--quiet", "--json", str(report)
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert " 0 violated" in check.stdout
        assert report.is_file()
        bindings = work / "agentos_bindings.py"
        _exits_2_with_the_pip_line(
            venv.run("agentos-factories", "generate", "--url", url, "-o", str(bindings)), "codegen"
        )
        venv.install_extra("codegen")
        generated = venv.run("agentos-factories", "generate", "--url", url, "-o", str(bindings))
        assert generated.returncode == 0, generated.stdout + generated.stderr
        checked = venv.run("agentos-factories", "generate", "--check", "-o", str(bindings))
        assert checked.returncode == 0, checked.stdout + checked.stderr
    imported = venv.run("python", "-c", "import agentos_bindings", cwd=work)
    assert imported.returncode == 0, imported.stderr


def test_the_server_extra_serves_and_the_sdk_of_the_same_wheel_runs_a_factory(
    server_venv: Venv, tmp_path: Path
) -> None:
    assert server_venv.run("agentos-reference", "--help").returncode == 0
    with server_venv.serving(tmp_path / "reference.sqlite3") as url:
        program = (
            "import sys, agentos_factories as sdk\n"
            "with sdk.Client(sys.argv[1], max_retries=0) as client:\n"
            "    print(sdk.__version__, client.agents.run('tenant-agent', 'Hello').status)\n"
        )
        done = server_venv.run("python", "-c", program, url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [_metadata_version(server_venv), "COMPLETED"]


def test_the_agno_extra_alone_gives_the_probe_factories(extra_venvs: dict[str, Future[Venv]]) -> None:
    venv = extra_venvs["agno"].result(timeout=PIP_SECONDS)
    program = (
        "from agentos_contract.probes.agno import probe_factories\n"
        "from agno.db.sqlite import SqliteDb\n"
        "import sys\n"
        "probes = probe_factories(SqliteDb(db_file=sys.argv[1]))\n"
        "print(len(probes.agents), len(probes.teams), len(probes.workflows))\n"
    )
    done = venv.run("python", "-c", program, str(venv.path / "agno.sqlite3"))
    assert done.returncode == 0, done.stderr
    assert all(int(count) > 0 for count in done.stdout.split())
