"""The one place that imports eventlet: the production entry points (wsgi.py, `cabinet serve`)."""
import gc
import io
import logging
import os
import resource
import time

log = logging.getLogger(__name__)


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


def pace_garbage_collection(every: float) -> None:
    """Call once the app is built, just before serving (`every`: the GC_EVERY setting, in seconds).

    Python's automatic full collection walks every object, and with 2000 tablets connected (~500 000
    objects) it stops the eventlet hub — every tablet — for ~0.3–0.4 s, every few seconds while the chair
    is moving items (bench/live.py caught it as its slow moves). So: freeze what start-up built (modules,
    classes, the app: never garbage, never walked again), leave the young generations to Python, and run
    the full collection on a timer instead, so cyclic garbage still goes, at most `every` seconds late."""
    import eventlet
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 2**31 - 1)  # counts middle collections: never reached

    def collect_forever():
        while True:
            eventlet.sleep(every)
            started = time.perf_counter()
            found = gc.collect()
            log.info("full garbage collection: %d unreachable objects, %.0f ms",
                     found, (time.perf_counter() - started) * 1000)

    eventlet.spawn(collect_forever)


def offload_to_threads(at_once: int | None = None) -> None:
    """CPU-bound calls (cabinet.offload: password hashing) go to eventlet's pool of real threads, at most
    `at_once` together (one per core by default): logins cost the tablets' event loop nothing, and a
    burst of them cannot take more memory than a few argon2 hashes at a time."""
    from eventlet import semaphore, tpool
    from . import offload
    slots = semaphore.Semaphore(at_once or offload.slot_count())

    def run(fn, args, ready):
        with slots:
            if ready is not None:
                ready()  # on the event loop, once the slot is ours
            return tpool.execute(_at_lowest_priority, fn, *args)
    offload.install(run)


def _at_lowest_priority(fn, *args):
    """In a pool thread: run at nice 19 (argon2's lane threads inherit it). Four lanes a hash, two hashes at
    once, against the one thread of the event loop on two cores: at equal priority a probe waited 176 ms
    at p99 (bench/logins.py); at nice 19 the loop that serves the tablets gets the CPU first."""
    import threading
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    return fn(*args)


def serve_eventlet(app, host: str, port: int, max_connections: int = 10000) -> None:
    """Serve the app (Socket.IO included: init_app wrapped it) on eventlet's WSGI server, as Flask-SocketIO's
    run() does, but with debug off: eventlet's default sends a 500's traceback to the client."""
    import eventlet
    import eventlet.wsgi
    eventlet.wsgi.server(eventlet.listen((host, port)), logins_in_turn(chunked_bodies_readable(app), app),
                         log_output=True,
                         max_size=max_connections, debug=False)


LOGIN_PATHS = frozenset({"/login", "/api/v1/auth/token"})


def logins_in_turn(wsgi_app, flask_app, at_once: int = 4):
    """Password posts go through the app a few at a time. A burst of 100 reached the event loop together
    and each did its millisecond of work before the hash (session, limiter, the user's row) ahead of every
    tablet's request: a probe waited 120–180 ms (bench/logins.py). The body is read before the gate (a
    slow sender waits outside it, holding no place); a body without a length, or one past the small
    limit, is left to the app, which refuses it."""
    from eventlet.semaphore import Semaphore
    gate = Semaphore(at_once)
    limit = flask_app.config["MAX_CONTENT_LENGTH"]

    def in_turn(environ, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in LOGIN_PATHS \
                or not length.isdigit() or int(length) > limit:
            return wsgi_app(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
        with gate:
            answer = wsgi_app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                getattr(answer, "close", lambda: None)()
    return in_turn


def chunked_bodies_readable(app):
    """eventlet decodes a chunked request body but does not say that its input ends where the body does
    (`wsgi.input_terminated`), so Werkzeug took a body without Content-Length for an empty one: a chunked
    login answered 400 malformed_json, and so did 60 MB. Said, Werkzeug reads it and applies the same
    size limits as to any other body (413 too_large)."""
    def readable(environ, start_response):
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ["wsgi.input_terminated"] = True
        return app(environ, start_response)
    return readable
