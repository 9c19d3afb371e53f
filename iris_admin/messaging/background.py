"""A small dispatcher thread for the demo app (production runs ``flask iris dispatch`` from cron).

    from iris_admin.messaging.background import start_background_dispatcher
    dispatcher = start_background_dispatcher(app)     # before app.run(...)
    ...
    dispatcher.stop()

It runs a dispatcher every ``IRIS_DISPATCH_INTERVAL`` seconds in a daemon thread with
its own app context (and so its own database session and connections). Running it
next to a cron dispatcher is safe: claims are atomic (see :mod:`.dispatcher`).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)


class BackgroundDispatcher:
    def __init__(self, app: Flask, interval: float | None = None) -> None:
        self.app = app
        self.interval = float(interval or app.config.get("IRIS_DISPATCH_INTERVAL") or 10)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iris-dispatcher", daemon=True)

    def start(self) -> BackgroundDispatcher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        from . import dispatcher_for_app

        while not self._stop.is_set():
            try:
                with self.app.app_context():
                    result = dispatcher_for_app(self.app).run()
                if result.claimed:
                    log.info("Background dispatcher: %s", result)
            except Exception:
                log.exception("Background dispatcher run failed")
            self._stop.wait(self.interval)


def start_background_dispatcher(app: Flask, interval: float | None = None) -> BackgroundDispatcher:
    """Start delivering the outbox in a daemon thread; returns a handle with ``stop()``."""
    return BackgroundDispatcher(app, interval).start()
