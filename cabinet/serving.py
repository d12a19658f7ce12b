"""The one place that imports eventlet: the production entry points (wsgi.py, `cabinet serve`)."""
import os
import resource


def prepare_eventlet() -> None:
    """Green the standard library and the PostgreSQL driver, so one slow query cannot stall every
    tablet: eventlet's monkey_patch also makes psycopg2 cooperative (its `psycopg` patch, on by default;
    tests/realtime/test_eventlet_server.py shows a request waiting on a lock while others are answered)."""
    import warnings
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")  # known: ARCHITECTURE.md
    import eventlet
    eventlet.monkey_patch()
    os.environ["CABINET_ASYNC_MODE"] = "eventlet"
    allow_many_connections()


def allow_many_connections() -> None:
    """Each tablet holds a socket: lift the soft open-files limit (often 1024) to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
