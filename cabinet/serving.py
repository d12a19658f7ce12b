"""The one place that imports eventlet: the production entry points (wsgi.py, `cabinet serve`)."""
import os


def prepare_eventlet() -> None:
    """Green the standard library and the PostgreSQL driver so one slow query cannot stall every tablet."""
    import warnings
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")  # known: ARCHITECTURE.md
    import eventlet
    eventlet.monkey_patch()
    os.environ["CABINET_ASYNC_MODE"] = "eventlet"
    try:
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
    except ImportError:  # psycopg2 absent: SQLite only
        pass
