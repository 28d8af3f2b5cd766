"""The emulator's HTTP server: moto's, with two changes.

- **Connections kept alive.** Werkzeug's development server closes every connection after
  its answer (Python's http.server cannot skip a request body the application left
  unread), so every AWS call made a TCP connection and a server thread: about a tenth of
  both processes' time at a burst. Here a request with a Content-Length is read to its end
  before the answer, and the connection stays open for the client's next call (HTTP/1.1,
  as AWS's endpoints keep it).
- **DynamoDB passed on** to the tables' process (cloud.py), so one endpoint serves every
  service to tools and tests; the local stack's own clients call the tables directly.
"""

from __future__ import annotations

import socket
import threading
from typing import Any


def _keep_alive(handler: Any) -> type:
    """`handler` (werkzeug's request handler) without its forced `Connection: close`, for
    requests whose body length is known: what the application did not read of it is
    read before the next request."""
    from werkzeug.wsgi import LimitedStream

    class KeepAlive(handler):  # type: ignore[misc]
        _body: Any = None
        _socket_reader: Any = None
        rfile: Any

        def setup(self) -> None:
            super().setup()
            # an answer's headers and body go in two writes: without this, the second
            # waits for the client's delayed acknowledgement (~40 ms) on a kept connection
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def make_environ(self) -> Any:
            environ = super().make_environ()
            length = str(environ.get("CONTENT_LENGTH") or "")
            self._body = None
            if "wsgi.input_terminated" not in environ and (length.isdigit() or not length):
                self._body = LimitedStream(self.rfile, int(length or 0))
                environ["wsgi.input"] = self._body
                # werkzeug reads what is left on the socket once it has answered (it
                # expects the connection closed): it must stop at this body's end, not
                # take the next request
                self._socket_reader, self.rfile = self.rfile, self._body
            return environ

        def send_header(self, keyword: str, value: str) -> None:
            if (keyword.lower() == "connection" and value.lower() == "close"
                    and self._body is not None):
                return  # kept alive: the request's end is known
            super().send_header(keyword, value)

        def run_wsgi(self) -> None:
            try:
                super().run_wsgi()
                if self._body is not None and not self.close_connection:
                    self._body.exhaust()  # the next request starts where this body ends
            finally:
                if self._socket_reader is not None:
                    self.rfile, self._socket_reader = self._socket_reader, None

    return KeepAlive


# DynamoDB's requests (X-Amz-Target), passed on to the tables' process
_TABLE_TARGETS = ("DynamoDB_", "DynamoDBStreams_")
# headers of one connection, not of the answer passed on (the server writes its own)
_HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length",
                          "date", "server"})


class _PassTablesOn:
    """The emulator's WSGI application with DynamoDB's requests sent on to the tables'
    process (one kept-alive connection per serving thread), so the one endpoint serves
    every service."""

    def __init__(self, app: Any, tables_port: int) -> None:
        self.app = app
        self.tables_port = tables_port
        self.local = threading.local()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(_TABLE_TARGETS):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        path = (environ.get("PATH_INFO") or "/") + (
            f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        status, answer_headers, data = self._send(environ["REQUEST_METHOD"], path, body,
                                                  headers)
        start_response(status, [*answer_headers, ("Content-Length", str(len(data)))])
        return [data]

    def _send(self, method: str, path: str, body: bytes, headers: dict[str, str]
              ) -> tuple[str, list[tuple[str, str]], bytes]:
        import http.client

        conn = getattr(self.local, "conn", None)
        reused = conn is not None
        while True:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.tables_port, timeout=60)
            try:
                conn.request(method, path, body, headers)
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                self.local.conn = conn = None
                if not reused:  # a fresh connection refused: the error is the answer
                    raise
                reused = False  # a kept-alive connection the server had closed: once more
                continue
            self.local.conn = conn
            kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_HEADERS]
            return f"{resp.status} {resp.reason}", kept, data


def emulator_server(port: int, tables_port: int = 0) -> Any:
    """moto's threaded server on 127.0.0.1, its connections kept alive; with
    `tables_port`, passing DynamoDB's requests on."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    class Server(ThreadedMotoServer):
        def _server_entry(self) -> None:  # moto's own, with the application wrapped
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server

            app: Any = DomainDispatcherApplication(create_backend_app)
            if tables_port:
                app = _PassTablesOn(app, tables_port)
            self._server = make_server(self._ip_address, self._port, app, True,
                                       request_handler=_keep_alive(MotoRequestHandler))
            self._server_ready_event.set()
            self._server.serve_forever()

    return Server(ip_address="127.0.0.1", port=port, verbose=False)
