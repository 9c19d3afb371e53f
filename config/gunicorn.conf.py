"""gunicorn settings for the stand-alone app, all from the environment.

    IRIS_CONFIG=production gunicorn -c config/gunicorn.conf.py wsgi:app

IRIS_BIND                address to listen on; default 127.0.0.1:8000, or 0.0.0.0:$PORT
                         when a platform sets PORT (Heroku-style Procfiles)
IRIS_WORKERS             worker processes; default 2 x CPU cores + 1
IRIS_WORKER_TIMEOUT      seconds a request may take before its worker is restarted (60)
IRIS_FORWARDED_ALLOW_IPS addresses of the proxies whose X-Forwarded-Proto gunicorn
                         believes (comma-separated, "*" for any); default none

Workers share nothing but the database, so any number of them (on any number of
machines) can serve. Access and error logs go to stdout and stderr, one line per
request, next to the app's own log lines (IRIS_LOG_LEVEL).
"""

import multiprocessing
import os

bind = os.environ.get("IRIS_BIND") or (
    f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000"
)
workers = int(os.environ.get("IRIS_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("IRIS_WORKER_TIMEOUT") or 60)
# Each worker builds its own app and database pool: no connections shared across forks.
preload_app = False

accesslog = "-"  # stdout
errorlog = "-"  # stderr: gunicorn's own messages (start, worker restarts)
# The default format plus the time taken, in milliseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# gunicorn itself would otherwise believe X-Forwarded-Proto from 127.0.0.1 (its default,
# or FORWARDED_ALLOW_IPS). Trust follows the deployment's settings only; the app's own
# proxy trust is IRIS_PROXY_FIX.
forwarded_allow_ips = os.environ.get("IRIS_FORWARDED_ALLOW_IPS", "")


def post_worker_init(worker):
    """Move the objects alive after start-up out of the garbage collector's way.

    The app's modules, metadata and compiled templates are ~150,000 objects that never
    die; full collections over them cost about 2 ms a request on average (0.5 ms after
    freezing, measured with bench/bench_overview.py).
    """
    import gc

    gc.freeze()
