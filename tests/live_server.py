"""A live HTTP server for browser tests, run on a thread of the test process.

pytest-flask's ``live_server`` forks the test process for every test. A forked
child inherits every file descriptor of its parent, the pipe to the Playwright
driver included, so a server that outlived its test kept that pipe open and the
driver's shutdown at the end of the session waited for an end-of-file that never
came. A server thread shares the process instead: ``stop`` shuts it down and
joins it, so nothing outlives the test and nothing is forked.
"""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

STOP_TIMEOUT_S = 10


class ThreadedLiveServer:
    """Serves ``app`` on 127.0.0.1 on a free port until :meth:`stop`."""

    def __init__(self, app: Flask, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        # Port 0: the kernel picks a free port, so parallel workers never collide.
        self._server: BaseWSGIServer = make_server(host, 0, app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"live-server-{self.port}",
            daemon=True,
        )

    def start(self) -> ThreadedLiveServer:
        self._thread.start()
        return self

    def url(self, path: str = "") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(STOP_TIMEOUT_S)
        self._server.server_close()
        if self._thread.is_alive():
            raise RuntimeError(f"the live server on port {self.port} did not stop")

    def __repr__(self) -> str:
        return f"<ThreadedLiveServer {self.url()}>"
