"""Production entry point: `python wsgi.py` (eventlet) or `flask --app wsgi …` for commands."""
import os
import sys

if __name__ == "__main__":
    from cabinet.serving import prepare_eventlet
    prepare_eventlet()

from cabinet import create_app  # noqa: E402

app = create_app()

if __name__ == "__main__":
    from cabinet.serving import offload_to_threads, pace_garbage_collection, serve_eventlet
    pace_garbage_collection(app.config["GC_EVERY"])
    offload_to_threads()
    host = os.environ.get("CABINET_HOST", "127.0.0.1")
    port = int(os.environ.get("CABINET_PORT", "5000"))
    print(f"Cabinet listening on http://{host}:{port}/", file=sys.stderr)
    serve_eventlet(app, host, port)
