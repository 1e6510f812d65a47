"""Throwaway Oxigraph and Virtuoso servers on loopback, for tests.

Nothing here needs pytest. Each server is a context manager that starts a real
server process on free ports of 127.0.0.1, waits until it answers SPARQL, and
stops it (and removes the temporary files *it* created) on exit, also when the
body raised. Paths the caller passes in are never removed.

    with OxigraphServer() as ox:
        ox.query_url, ox.update_url, ox.store_url
    with VirtuosoServer(max_rows=5) as vt:
        vt.sparql_url, vt.auth_url, vt.gsp_url, vt.user, vt.password
        vt.isql("select 1;")

From pytest::

    @pytest.fixture
    def oxigraph(tmp_path):
        with OxigraphServer(tmp_path / "ox") as server:
            yield server

Processes are cleaned up three ways: the context manager, an ``atexit`` hook
for anything still running when the interpreter exits, and (Linux, main
thread) ``PR_SET_PDEATHSIG`` so a server gets SIGTERM if the Python process
that started it dies without running either.

Virtuoso 7 takes ~5 s to create a new database (it installs the Conductor VAD
each time). By default the first VirtuosoServer of a process builds a pristine
database once, and every instance then starts from a copy of it (~2 s);
pass ``use_template_db=False`` to always create a fresh one.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

__all__ = [
    "ServerError",
    "VirtuosoSQLError",
    "HttpResponse",
    "free_port",
    "find_executable",
    "http_request",
    "OxigraphServer",
    "VirtuosoServer",
    "VIRTUOSO_INI_TEMPLATE",
]

LOOPBACK = "127.0.0.1"
VIRTUOSO_INI_TEMPLATE = "/etc/virtuoso-opensource-7/virtuoso.ini"
_ASK = "ASK {}"


class ServerError(RuntimeError):
    """A server did not start, or did not stop, as expected."""


class VirtuosoSQLError(ServerError):
    """isql-vt reported an error for a statement."""


# --------------------------------------------------------------------------
# small helpers


_port_lock = threading.Lock()
_ports_handed_out: set[int] = set()


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on ``host`` now and that this process has not
    handed out before (so several servers started in a row get distinct ports).
    """
    with _port_lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port
    raise ServerError("could not find a free port")


def find_executable(name: str) -> str:
    """``name`` next to ``sys.executable`` (the venv's bin/), else on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise ServerError(
        f"{name!r} not found next to {sys.executable} nor on PATH"
        + (
            " (run scripts/install-system-deps.sh)"
            if name in ("virtuoso-t", "isql-vt")
            else " (pip install oxigraph)"
            if name == "oxigraph"
            else ""
        )
    )


@dataclass
class HttpResponse:
    status: int
    headers: Message
    body: bytes = field(repr=False)

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        return self.body.decode(charset, errors="replace")


def _opener(url: str, user: str | None, password: str | None) -> urllib.request.OpenerDirector:
    # No proxies: these servers are on loopback whatever the environment says.
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if user is not None:
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, user, password or "")
        handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
    return urllib.request.build_opener(*handlers)


def http_request(
    method: str,
    url: str,
    *,
    data: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
) -> HttpResponse:
    """One HTTP request with the stdlib; HTTP error statuses are returned, not
    raised. ``user``/``password`` enable digest auth (what Virtuoso wants)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method.upper(), headers=dict(headers or {}))
    try:
        with _opener(url, user, password).open(req, timeout=timeout) as resp:
            return HttpResponse(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        body = err.read() if err.fp is not None else b""
        return HttpResponse(err.code, err.headers, body)


def _ask_ok(url: str, timeout: float = 2.0, **auth: str | None) -> bool:
    try:
        resp = http_request(
            "GET",
            url + "?" + urllib.parse.urlencode({"query": _ASK}),
            headers={"Accept": "application/sparql-results+json"},
            timeout=timeout,
            **auth,
        )
    except (OSError, urllib.error.URLError):
        return False
    return resp.status == 200


# --------------------------------------------------------------------------
# process bookkeeping

_live_lock = threading.Lock()
_live: set[subprocess.Popen] = set()


def _register(proc: subprocess.Popen) -> None:
    with _live_lock:
        _live.add(proc)


def _unregister(proc: subprocess.Popen) -> None:
    with _live_lock:
        _live.discard(proc)


@atexit.register
def _kill_leftovers() -> None:
    with _live_lock:
        procs = list(_live)
        _live.clear()
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _deathsig_preexec() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when this thread dies.

    Only from the main thread: PDEATHSIG fires when the *thread* that forked
    exits, which for a worker thread may be long before the process does.
    """
    if (
        not sys.platform.startswith("linux")
        or threading.current_thread() is not threading.main_thread()
    ):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # parent already gone
            os._exit(1)

    return preexec


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return "<no log>"
    if len(data) <= limit:
        return data.decode("utf-8", errors="replace")
    head, tail = data[: limit // 4], data[-(limit - limit // 4) :]
    return (
        head.decode("utf-8", errors="replace")
        + "\n[...]\n"
        + tail.decode("utf-8", errors="replace")
    )


# oxigraph: "Address already in use (os error 98)"; virtuoso: "Failed to start
# listening at SQL port '127.0.0.1:N'" / "Failed HTTP listen at 127.0.0.1:N."
_PORT_IN_USE = re.compile(
    r"address already in use|failed to start listening|failed http listen", re.I
)


class _ProcessServer:
    """Shared start/stop/kill/context-manager plumbing."""

    _name = "server"

    def __init__(self, *, startup_timeout: float, die_with_parent: bool) -> None:
        self.startup_timeout = startup_timeout
        self.die_with_parent = die_with_parent
        self._proc: subprocess.Popen | None = None
        self._log_file: Path | None = None
        self._own_tmp: Path | None = None
        self._ports_auto = False
        self.startup_seconds: float | None = None
        """Seconds the last start() took until the server was ready."""

    # subclass hooks -------------------------------------------------------
    def _command(self) -> list[str]:
        raise NotImplementedError

    def _ready(self) -> bool:
        raise NotImplementedError

    def _prepare(self) -> None:
        """Called before each launch attempt."""

    def _after_ready(self) -> None:
        """Called once the server answers."""

    def _pick_new_ports(self) -> None:
        raise NotImplementedError

    def _server_log(self) -> str:
        return _tail(self._log_file) if self._log_file else "<no log>"

    # public ---------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log(self) -> str:
        """The tail of the server's own output (stdout+stderr / error log)."""
        return self._server_log()

    def start(self):
        """Start the server (again, after stop() or kill(), on the same data
        and ports) and wait until it answers. Returns self."""
        if self.is_running:
            raise ServerError(f"{self._name} already running (pid {self.pid})")
        attempts = 3 if self._ports_auto else 1
        for attempt in range(attempts):
            try:
                self._launch_and_wait()
                return self
            except _PortInUse:
                if attempt == attempts - 1:
                    raise ServerError(
                        f"{self._name}: port in use; last log:\n{self._server_log()}"
                    ) from None
                self._pick_new_ports()
        return self  # unreachable

    def _launch_and_wait(self) -> None:
        self._prepare()
        assert self._log_file is not None
        t0 = time.monotonic()
        with open(self._log_file, "ab") as log:
            self._proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_deathsig_preexec() if self.die_with_parent else None,
                cwd=self._cwd(),
                env=self._env(),
            )
        _register(self._proc)
        deadline = t0 + self.startup_timeout
        delay = 0.02
        try:
            while True:
                code = self._proc.poll()
                if code is not None:
                    log_text = self._server_log()
                    self._forget_proc()
                    if _PORT_IN_USE.search(log_text) and self._ports_auto:
                        raise _PortInUse()
                    raise ServerError(
                        f"{self._name} exited with code {code} while starting: {self._command()}\n"
                        f"--- server log ---\n{log_text}"
                    )
                if self._ready():
                    break
                if time.monotonic() > deadline:
                    raise ServerError(
                        f"{self._name} not ready after {self.startup_timeout:.0f} s: "
                        f"{self._command()}\n"
                        f"--- server log ---\n{self._server_log()}"
                    )
                time.sleep(delay)
                delay = min(delay * 1.5, 0.25)
            self._after_ready()
        except BaseException:
            self._terminate(force=True)
            raise
        self.startup_seconds = time.monotonic() - t0

    def _cwd(self) -> str | None:
        return None

    def _env(self) -> dict[str, str] | None:
        return None

    def _forget_proc(self) -> None:
        if self._proc is not None:
            _unregister(self._proc)
        self._proc = None

    def _terminate(self, force: bool, timeout: float = 20.0) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            if force:
                proc.kill()
            else:
                proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._forget_proc()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM and wait (SIGKILL after ``timeout``). Data is kept."""
        self._terminate(force=False, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL and wait, for fault tests. Data is kept; start() again."""
        self._terminate(force=True)

    def close(self) -> None:
        """Stop, then remove the temporary directory this object created."""
        try:
            self.stop()
        finally:
            if self._own_tmp is not None:
                shutil.rmtree(self._own_tmp, ignore_errors=True)
                self._own_tmp = None

    def __enter__(self):
        if not self.is_running:
            try:
                self.start()
            except BaseException:
                self.close()
                raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:  # last resort; the context manager is the way
        try:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait(timeout=5)
        except Exception:
            pass


class _PortInUse(Exception):
    pass


# --------------------------------------------------------------------------
# Oxigraph


class OxigraphServer(_ProcessServer):
    """``oxigraph serve`` on 127.0.0.1.

    ``location``: the store directory; created if missing and never removed
    when given. Without it a temporary directory is used and removed on
    close(). The server's output goes to a log file in a private temp dir
    (see ``log()``).
    """

    _name = "oxigraph"

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        *,
        port: int | None = None,
        binary: str | None = None,
        startup_timeout: float = 30.0,
        extra_args: Iterable[str] = (),
        die_with_parent: bool = True,
    ) -> None:
        super().__init__(startup_timeout=startup_timeout, die_with_parent=die_with_parent)
        self.binary = binary or find_executable("oxigraph")
        self._own_tmp = Path(tempfile.mkdtemp(prefix="kg-oxigraph-"))
        self.location = Path(location) if location is not None else self._own_tmp / "store"
        self._log_file = self._own_tmp / "oxigraph.log"
        self._ports_auto = port is None
        self.port = port if port is not None else free_port()
        self.extra_args = list(extra_args)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base_url + "/query"

    @property
    def update_url(self) -> str:
        return self.base_url + "/update"

    @property
    def store_url(self) -> str:
        """Graph Store Protocol endpoint; add ``?graph=IRI`` or ``?default``."""
        return self.base_url + "/store"

    def graph_url(self, graph: str | None = None) -> str:
        """GSP URL of one named graph, or of the default graph if None."""
        if graph is None:
            return self.store_url + "?default"
        return self.store_url + "?" + urllib.parse.urlencode({"graph": graph})

    def _prepare(self) -> None:
        self.location.mkdir(parents=True, exist_ok=True)

    def _command(self) -> list[str]:
        return [
            self.binary,
            "serve",
            "--location",
            str(self.location),
            "--bind",
            f"{LOOPBACK}:{self.port}",
            *self.extra_args,
        ]

    def _ready(self) -> bool:
        return _ask_ok(self.query_url, timeout=1.0)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["RUST_BACKTRACE"] = "0"  # keep the error first in the log
        return env

    def _pick_new_ports(self) -> None:
        self.port = free_port()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.is_running else "stopped"
        return f"<OxigraphServer {self.base_url} location={self.location} {state}>"


# --------------------------------------------------------------------------
# Virtuoso


def _rewrite_ini(
    text: str,
    set_values: Mapping[str, Mapping[str, str | Callable[[str | None], str]]],
    drop: Mapping[str, Iterable[str]] = {},
) -> str:
    """Line-based ini edit that keeps comments, order and Virtuoso's duplicate
    keys (configparser rejects those). Keys are matched case-insensitively.
    A value may be a function of the old value (None when absent). Missing
    keys are appended to their section; missing sections at the end."""
    wanted = {s.lower(): {k.lower(): (k, v) for k, v in kv.items()} for s, kv in set_values.items()}
    dropped = {s.lower(): {k.lower() for k in ks} for s, ks in drop.items()}
    out: list[str] = []
    section: str | None = None
    seen: set[tuple[str, str]] = set()
    seen_sections: set[str] = set()

    def flush(sec: str | None) -> None:
        if sec is None:
            return
        for key_l, (key, value) in wanted.get(sec, {}).items():
            if (sec, key_l) not in seen:
                out.append(f"{key} = {value(None) if callable(value) else value}")
                seen.add((sec, key_l))

    header = re.compile(r"^\s*\[([^\]]+)\]\s*$")
    entry = re.compile(r"^(\s*)([A-Za-z0-9_.\-]+)(\s*=\s*)([^;\n]*?)(\s*(;.*)?)$")
    for line in text.splitlines():
        m = header.match(line)
        if m:
            # put appended keys before trailing blank lines of the previous section
            trailing: list[str] = []
            while out and not out[-1].strip():
                trailing.append(out.pop())
            flush(section)
            out.extend(trailing)
            section = m.group(1).strip().lower()
            seen_sections.add(section)
            out.append(line)
            continue
        m = entry.match(line)
        if section is not None and m and not line.lstrip().startswith(";"):
            key_l = m.group(2).lower()
            if key_l in dropped.get(section, ()):
                continue
            if key_l in wanted.get(section, {}):
                if (section, key_l) in seen:
                    continue  # drop duplicates of a key we set
                key, value = wanted[section][key_l]
                new = value(m.group(4)) if callable(value) else value
                out.append(f"{m.group(1)}{m.group(2)}{m.group(3)}{new}")
                seen.add((section, key_l))
                continue
        out.append(line)
    flush(section)
    for sec_l, kv in wanted.items():
        if sec_l not in seen_sections:
            orig = next(s for s in set_values if s.lower() == sec_l)
            out.append("")
            out.append(f"[{orig}]")
            for key, value in kv.values():
                out.append(f"{key} = {value(None) if callable(value) else value}")
    return "\n".join(out) + "\n"


_template_lock = threading.Lock()
_template_db: dict[tuple[str, str], Path] = {}
_template_dirs: list[Path] = []


@atexit.register
def _remove_template_dbs() -> None:
    for d in _template_dirs:
        shutil.rmtree(d, ignore_errors=True)


class VirtuosoServer(_ProcessServer):
    """A private Virtuoso 7 (``virtuoso-t +foreground``) on 127.0.0.1.

    ``directory``: database directory (created if missing, never removed
    when given; an existing database there is reused). Without it a temp
    dir is used and removed on close(). The ini written there is derived
    from ``ini_template`` with local ports and paths, ``ResultSetMaxRows =
    max_rows``, and then ``ini_overrides`` ({section: {key: value}}).

    After start: anonymous SPARQL UPDATE is granted on /sparql, and digest
    auth as dba/dba is checked on /sparql-auth and the Graph Store endpoint.
    """

    _name = "virtuoso"
    user = "dba"
    password = "dba"

    def __init__(
        self,
        *,
        max_rows: int = 10000,
        directory: str | os.PathLike[str] | None = None,
        sql_port: int | None = None,
        http_port: int | None = None,
        ini_template: str | os.PathLike[str] = VIRTUOSO_INI_TEMPLATE,
        ini_overrides: Mapping[str, Mapping[str, str]] | None = None,
        binary: str | None = None,
        isql_binary: str | None = None,
        startup_timeout: float = 90.0,
        use_template_db: bool = True,
        die_with_parent: bool = True,
    ) -> None:
        super().__init__(startup_timeout=startup_timeout, die_with_parent=die_with_parent)
        self.binary = binary or find_executable("virtuoso-t")
        self.isql_binary = isql_binary or find_executable("isql-vt")
        self.ini_template = Path(ini_template)
        if not self.ini_template.is_file():
            raise ServerError(f"{self.ini_template} missing (run scripts/install-system-deps.sh)")
        self.max_rows = int(max_rows)
        self.ini_overrides = {s: dict(kv) for s, kv in (ini_overrides or {}).items()}
        self.use_template_db = use_template_db
        if directory is None:
            self._own_tmp = Path(tempfile.mkdtemp(prefix="kg-virtuoso-"))
            self.directory = self._own_tmp / "db"
        else:
            self.directory = Path(directory).absolute()
        self.ini_path = self.directory / "virtuoso.ini"
        self._log_file = self.directory / "virtuoso-stdout.log"
        self._ports_auto = sql_port is None and http_port is None
        self.sql_port = sql_port if sql_port is not None else free_port()
        self.http_port = http_port if http_port is not None else free_port()
        self._granted = False

    # URLs ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """Anonymous query (and, after the grant, update) endpoint."""
        return self.base_url + "/sparql"

    @property
    def auth_url(self) -> str:
        """Digest-authenticated SPARQL endpoint (user/password)."""
        return self.base_url + "/sparql-auth"

    @property
    def gsp_url(self) -> str:
        """Digest-authenticated Graph Store Protocol endpoint; add ``?graph-uri=IRI``."""
        return self.base_url + "/sparql-graph-crud-auth"

    def graph_url(self, graph: str) -> str:
        """GSP URL of one named graph."""
        return self.gsp_url + "?" + urllib.parse.urlencode({"graph-uri": graph})

    @property
    def sql_address(self) -> str:
        return f"{LOOPBACK}:{self.sql_port}"

    # SQL ----------------------------------------------------------------
    def isql(self, sql: str, timeout: float = 120.0) -> str:
        """Run SQL through isql-vt as dba and return its output (results only).

        isql-vt ends a statement at a ``;`` at the end of a line; a final
        ``;`` is added if missing. Raises VirtuosoSQLError on ``*** Error``
        (isql-vt itself exits 0 on SQL errors).
        """
        script = sql.strip()
        if not script.endswith(";"):
            script += ";"
        proc = subprocess.run(
            [
                self.isql_binary,
                self.sql_address,
                self.user,
                self.password,
                "VERBOSE=OFF",
                "BANNER=OFF",
                "PROMPT=OFF",
                "ECHO=OFF",
                "ERRORS=STDOUT",
            ],
            input=script + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = proc.stdout + proc.stderr
        if proc.returncode != 0 or "*** Error" in output:
            raise VirtuosoSQLError(
                f"isql-vt failed (exit {proc.returncode}) for {sql!r}:\n{output.strip()}"
            )
        return proc.stdout

    # process hooks --------------------------------------------------------
    def _ini_text(self) -> str:
        d = str(self.directory)
        dirs_allowed = lambda old: ", ".join(  # noqa: E731
            [p.strip() for p in (old or ".").split(",") if p.strip() and p.strip() != d] + [d]
        )
        values: dict[str, dict] = {
            "Database": {
                "DatabaseFile": f"{d}/virtuoso.db",
                "ErrorLogFile": f"{d}/virtuoso.log",
                "LockFile": f"{d}/virtuoso.lck",
                "TransactionFile": f"{d}/virtuoso.trx",
                "xa_persistent_file": f"{d}/virtuoso.pxa",
            },
            "TempDatabase": {
                "DatabaseFile": f"{d}/virtuoso-temp.db",
                "TransactionFile": f"{d}/virtuoso-temp.trx",
            },
            "Parameters": {
                "ServerPort": f"{LOOPBACK}:{self.sql_port}",
                "DirsAllowed": dirs_allowed,
                "DisableUnixSocket": "1",
            },
            "HTTPServer": {"ServerPort": f"{LOOPBACK}:{self.http_port}"},
            "URIQA": {"DefaultHost": f"{LOOPBACK}:{self.http_port}"},
            "SPARQL": {"ResultSetMaxRows": str(self.max_rows)},
        }
        for sec, kv in self.ini_overrides.items():
            values.setdefault(sec, {}).update(kv)
        # [Zero Config] ServerName would advertise the server over mDNS.
        return _rewrite_ini(
            self.ini_template.read_text(), values, drop={"Zero Config": ["ServerName"]}
        )

    def _prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        db = self.directory / "virtuoso.db"
        if not db.exists() and self.use_template_db:
            template = self._template_database()
            if template is not None:
                shutil.copyfile(template, db)
        self.ini_path.write_text(self._ini_text())

    def _template_database(self) -> Path | None:
        key = (self.binary, str(self.ini_template))
        with _template_lock:
            if key not in _template_db:
                tmp = Path(tempfile.mkdtemp(prefix="kg-virtuoso-template-"))
                _template_dirs.append(tmp)
                builder = VirtuosoServer(
                    directory=tmp / "db",
                    ini_template=self.ini_template,
                    binary=self.binary,
                    isql_binary=self.isql_binary,
                    startup_timeout=self.startup_timeout,
                    use_template_db=False,
                    die_with_parent=self.die_with_parent,
                )
                try:
                    builder.start()
                    builder.shutdown()  # clean: checkpoint, empty transaction log
                except BaseException:
                    builder.kill()
                    raise
                _template_db[key] = tmp / "db" / "virtuoso.db"
            return _template_db[key]

    def _command(self) -> list[str]:
        return [self.binary, "+foreground", "+configfile", str(self.ini_path)]

    def _cwd(self) -> str:
        return str(self.directory)

    def _ready(self) -> bool:
        try:
            self.isql("select 1;", timeout=10)
        except (VirtuosoSQLError, subprocess.TimeoutExpired):
            return False
        return _ask_ok(self.sparql_url, timeout=2.0)

    def _after_ready(self) -> None:
        try:
            self.isql('grant SPARQL_UPDATE to "SPARQL";')
        except VirtuosoSQLError as err:
            # U0013: already granted (database from the template, or a restart)
            if "U0013" not in str(err):
                raise
        self._check_auth()

    def _check_auth(self) -> None:
        if not _ask_ok(self.auth_url, timeout=10.0, user=self.user, password=self.password):
            raise ServerError(f"digest auth as {self.user} failed on {self.auth_url}")
        probe = self.graph_url("urn:kg:servers:auth-probe")
        resp = http_request("GET", probe, user=self.user, password=self.password, timeout=10.0)
        if resp.status in (401, 403) or resp.status >= 500:
            raise ServerError(
                f"digest auth as {self.user} failed on {self.gsp_url}: "
                f"HTTP {resp.status} {resp.text[:300]}"
            )

    def _pick_new_ports(self) -> None:
        self.sql_port = free_port()
        self.http_port = free_port()

    def _server_log(self) -> str:
        err_log = self.directory / "virtuoso.log"
        if err_log.exists() or self._log_file is None:
            return _tail(err_log)
        return _tail(self._log_file)

    def shutdown(self, timeout: float = 60.0) -> None:
        """Clean shutdown through isql (``shutdown;``: checkpoint first), then
        wait; falls back to SIGTERM/SIGKILL. stop() is quicker (SIGTERM makes
        Virtuoso do a 'quick shutdown'; it rolls the log forward next start)."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                subprocess.run(
                    [
                        self.isql_binary,
                        self.sql_address,
                        self.user,
                        self.password,
                        "exec=shutdown;",
                    ],
                    capture_output=True,
                    timeout=timeout,
                )
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self._terminate(force=False)

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.is_running else "stopped"
        return (
            f"<VirtuosoServer {self.base_url} sql={self.sql_address} dir={self.directory} {state}>"
        )
