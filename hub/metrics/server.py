"""``/metrics``, ``/livez`` and ``/readyz`` over HTTP, on a daemon thread of a long-running process.

Liveness answers 200 while the process can answer at all; readiness answers
200 once the process's ``ready`` check holds (the worker has its partitions,
the server listens) and 503 before then or while stopping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import structlog
from prometheus_client import REGISTRY, make_wsgi_app
from prometheus_client.registry import Collector, CollectorRegistry

log = structlog.get_logger(__name__)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """No access log line on stderr for every scrape."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class MetricsServer:
    """Serves the process's metrics and health on ``host:port`` (port 0: any free port)."""

    def __init__(
        self,
        host: str,
        port: int,
        ready: Callable[[], bool] | None = None,
        collectors: Iterable[Collector] = (),
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        self._ready = ready or (lambda: True)
        self._collectors = list(collectors)
        self._registry = registry
        self._metrics = make_wsgi_app(registry)
        self._stopping = False
        self._server = make_server(
            host, port, self._app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="hub-metrics", daemon=True
        )

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    def start(self) -> MetricsServer:
        for collector in self._collectors:
            self._registry.register(collector)
        self._thread.start()
        log.info("metrics_serving", port=self.port)
        return self

    def stop(self) -> None:
        self._stopping = True
        self._server.shutdown()
        self._server.server_close()
        for collector in self._collectors:
            self._registry.unregister(collector)

    def _app(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body: Iterable[bytes] = self._metrics(environ, start_response)
            return body
        if path == "/livez":
            return _text(start_response, "200 OK", "alive")
        if path == "/readyz":
            if not self._stopping and self._is_ready():
                return _text(start_response, "200 OK", "ready")
            return _text(start_response, "503 Service Unavailable", "not ready")
        return _text(start_response, "404 Not Found", "not found")

    def _is_ready(self) -> bool:
        try:
            return self._ready()
        except Exception:  # a check that fails means not ready, never a broken endpoint
            return False


def _text(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = f"{text}\n".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [body]
