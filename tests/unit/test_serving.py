"""The production server's garbage collection (cabinet.serving.pace_garbage_collection): no automatic
full collection (it would stop every tablet for ~0.4 s with 2000 connected), cyclic garbage still
collected on the timer. In a child process: it changes the interpreter's collector for good."""
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import gc, json, weakref
    from cabinet.serving import prepare_eventlet, pace_garbage_collection
    prepare_eventlet()
    import eventlet
    from cabinet import create_app
    app = create_app()
    pace_garbage_collection(app.config["GC_EVERY"])
    frozen = gc.get_freeze_count()

    class Node:
        pass

    node = Node()
    node.me = node  # a cycle: only the cyclic collector can free it
    alive = weakref.ref(node)
    gc.collect(1)  # survives the young generations: now in the oldest one
    del node
    full_before = gc.get_stats()[2]["collections"]
    keep = [[] for _ in range(400_000)]  # long-lived newcomers: enough for Python to start a full collection
    churn = [[[] for _ in range(1000)] for _ in range(300)]  # young collections run meanwhile
    automatic = gc.get_stats()[2]["collections"] - full_before
    young = gc.get_stats()[0]["collections"]
    garbage_before_timer = alive() is not None
    eventlet.sleep(1.0)  # CABINET_GC_EVERY=0.3
    print(json.dumps({"frozen": frozen, "automatic_full": automatic, "young": young,
                      "kept_until_timer": garbage_before_timer, "freed_by_timer": alive() is None,
                      "timed_full": gc.get_stats()[2]["collections"] - full_before}))
""")


def test_full_collections_run_on_the_timer_only(tmp_path):
    import json
    env = {"CABINET_GC_EVERY": "0.3", "CABINET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["frozen"] > 10_000, "start-up objects are frozen, never walked again"
    assert seen["young"] > 100 and seen["automatic_full"] == 0, seen
    assert seen["kept_until_timer"] and seen["freed_by_timer"], seen
    assert seen["timed_full"] >= 2, seen


def test_the_interval_is_a_positive_number_of_seconds(monkeypatch, tmp_path):
    import pytest

    from cabinet.config import build_config
    monkeypatch.setenv("CABINET_GC_EVERY", "90")
    assert build_config(str(tmp_path))["GC_EVERY"] == 90.0
    for wrong in ("0", "-5", "nan", "năm phút"):
        monkeypatch.setenv("CABINET_GC_EVERY", wrong)
        with pytest.raises(ValueError, match="CABINET_GC_EVERY"):
            build_config(str(tmp_path))
