"""Preview a kg site locally, answering each IRI by its Accept header as the shipped snippets do.

The site is mounted at its base's path (read from the site's kg-site.json), so a local URL is the
IRI with the scheme and host swapped: <base>person/li-kenong is
http://127.0.0.1:PORT/kg/person/li-kenong. A resource IRI answers 303 See Other to its page
(`<IRI>/`), `<IRI>.ttl` or `<IRI>.jsonld`, chosen by `kg.site.negotiate` (q-values honoured);
406 when the client accepts none of them. Everything else is a static file. The server is for
previewing on loopback, not for production: use the nginx or Apache snippets for that.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kg.errors import InputError
from kg.site import MEDIA_TYPES, REPRESENTATIONS, RESOURCE_ROOTS, SITE_MARKER, negotiate

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'")


def site_base_path(site: Path) -> str:
    """The URL path the site is mounted at: its base IRI's path ('/kg/'), or '/' if unknown."""
    marker = site / SITE_MARKER
    if not site.is_dir() or not (site / "index.html").is_file():
        raise InputError("is not a kg site (no index.html)", path=str(site),
                         hint="write one with `kg site OUT -o SITE` first")
    if not marker.is_file():
        return "/"
    try:
        base = json.loads(marker.read_text(encoding="utf-8"))["base"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{SITE_MARKER} is unreadable: {exc}", path=str(marker),
                         hint="rebuild the site with `kg site`") from exc
    path = urlsplit(base).path or "/"
    return path if path.endswith("/") else path + "/"


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files plus content negotiation for resource IRIs; no directory listings."""

    base_path = "/"
    extensions_map = {**MEDIA_TYPES, "": "application/octet-stream"}
    log: Callable[[str], None] | None = None

    def __init__(self, *args: object, directory: str, **kwargs: object) -> None:
        super().__init__(*args, directory=directory, **kwargs)  # type: ignore[arg-type]

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib's name)
        if self.log is not None:
            self.log(f"{self.address_string()} {format % args}")

    def list_directory(self, path: str | os.PathLike[str]) -> None:  # type: ignore[override]
        self.send_error(HTTPStatus.NOT_FOUND, "No page here")
        return None

    def send_head(self):  # type: ignore[no-untyped-def]
        url_path = urlsplit(self.path).path
        if url_path == "/" and self.base_path != "/":
            return self._redirect(HTTPStatus.FOUND, self.base_path)
        if not url_path.startswith(self.base_path):
            self.send_error(HTTPStatus.NOT_FOUND, f"This site lives under {self.base_path}")
            return None
        rel = url_path[len(self.base_path):]
        resource = self._resource(rel)
        if resource is not None:
            return self._negotiate(resource, trailing_slash=rel.endswith("/"))
        # Static file: hand the path below the mount point to the stdlib handler (which refuses
        # to leave the site folder).
        query = urlsplit(self.path).query
        self.path = "/" + rel + (f"?{query}" if query else "")
        return super().send_head()

    def _resource(self, rel: str) -> str | None:
        """`rel` without its trailing slash when it names a resource folder holding a page."""
        stripped = rel.rstrip("/")
        parts = stripped.split("/")
        if len(parts) < 2 or parts[0] not in RESOURCE_ROOTS:
            return None
        decoded = [unquote(p) for p in parts]
        if any(p in ("", ".", "..") or "/" in p or "\\" in p for p in decoded):
            return None
        if not (Path(self.directory, *decoded) / "index.html").is_file():
            return None
        return stripped

    def _negotiate(self, resource: str, *, trailing_slash: bool):  # type: ignore[no-untyped-def]
        choice = negotiate(self.headers.get("Accept"))
        if choice is None:
            body = ("406 Not Acceptable: this resource is available as "
                    + ", ".join(r.media_type for r in REPRESENTATIONS.values()) + "\n").encode()
            self.send_response(HTTPStatus.NOT_ACCEPTABLE)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Vary", "Accept")
            self.end_headers()
            return _Body(body)
        rep = REPRESENTATIONS[choice]
        if choice == "html" and trailing_slash:
            self.path = "/" + resource + "/"
            return super().send_head()
        return self._redirect(HTTPStatus.SEE_OTHER, self.base_path + resource + rep.suffix)

    def _redirect(self, status: HTTPStatus, location: str):  # type: ignore[no-untyped-def]
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Vary", "Accept")
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None


class _Body:
    """A file-like body for responses the handler makes up (copyfile reads it)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


def make_server(site: Path, host: str = "127.0.0.1", port: int = 8000,
                log: Callable[[str], None] | None = None) -> tuple[ThreadingHTTPServer, str]:
    """A ready (bound, not yet serving) preview server for `site`, and the URL of its home page."""
    base_path = site_base_path(site)
    if not re.fullmatch(r"[A-Za-z0-9.:_-]+|\[[0-9A-Fa-f:.]+\]", host):
        raise InputError(f"--host {host!r} is not a host name or address", hint="use e.g. 127.0.0.1")
    handler = type("BoundSiteHandler", (SiteHandler,), {"base_path": base_path, "log": staticmethod(log)
                                                        if log else None})
    try:
        server = ThreadingHTTPServer((host.strip("[]"), port),
                                     partial(handler, directory=str(site.resolve())))
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="choose another --port (0 picks a free one)") from exc
    server.daemon_threads = True
    bound_host, bound_port = server.server_address[:2]
    text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
    shown = f"[{text}]" if ":" in text else text
    return server, f"http://{shown}:{bound_port}{base_path}"


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000,
          ready: Callable[[str], None] | None = None, log: Callable[[str], None] | None = None,
          stop: threading.Event | None = None) -> None:
    """Serve `site` until interrupted (or until `stop` is set); `ready` gets the home page URL."""
    server, url = make_server(site, host, port, log)
    if ready is not None:
        ready(url)
    if stop is not None:
        def watch(event: threading.Event) -> None:
            event.wait()
            server.shutdown()
        threading.Thread(target=watch, args=(stop,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
