"""One API Lambda cold start in this fresh process: init, then the first request; prints one JSON line.

Run by bench/api_cold_start.py (cwd: the repository). Only the standard library is imported before the
clock starts, as in the old one-line snippet. Init is what Lambda's init phase does: import
functions/api/app.py, which builds the handler. The request is the event in BENCH_EVENT (JSON).

With BENCH_FORKS=N the process instead approximates SnapStart: after init it runs the handler's
before-snapshot hooks (if any registered with Lambda's `snapshot_restore_py`, stood in for here), then
forks N children, each a copy of the initialized process, and times each child's first request.
"""

from __future__ import annotations

# Nothing but these before the clock starts (os and sys are loaded with the interpreter anyway).
import importlib.util
import os
import sys
import time

MARK = "BENCH "
_before_snapshot: list[object] = []


class Context:
    """The Lambda context attributes our handlers and Powertools read."""

    function_name = "switchboard-api-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:switchboard-api-bench"
    aws_request_id = "bench-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


def stand_in_for_the_snapshot_runtime() -> None:
    """Lambda's `snapshot_restore_py` (present only in a SnapStart runtime): collect the hooks to run them."""
    import types

    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = lambda fn, *a, **kw: _before_snapshot.append(lambda: fn(*a, **kw))  # type: ignore[attr-defined]
    module.register_after_restore = lambda fn, *a, **kw: None  # type: ignore[attr-defined]
    sys.modules["snapshot_restore_py"] = module


def init() -> object:
    spec = importlib.util.spec_from_file_location("api_app", "functions/api/app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def first_request(module: object) -> tuple[float, float]:
    """Wall and CPU milliseconds of one request through the handler; fails unless it answers 200."""
    import json

    event = json.loads(os.environ["BENCH_EVENT"])
    t0, c0 = time.perf_counter(), time.process_time()
    status = module.handler(event, Context())["statusCode"]  # type: ignore[attr-defined]
    wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    assert status == 200, f"first request answered {status}"
    return wall, cpu


def cold() -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    module = init()
    init_ms, init_cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    first_ms, first_cpu = first_request(module)
    import json

    print(MARK + json.dumps({"init": init_ms, "init_cpu": init_cpu, "first": first_ms, "first_cpu": first_cpu,
                             "modules": len(sys.modules)}), flush=True)


def restored(forks: int) -> None:
    import json

    stand_in_for_the_snapshot_runtime()
    module = init()
    for hook in _before_snapshot:
        hook()  # type: ignore[operator]
    for _ in range(forks):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            wall, cpu = first_request(module)
            os.write(write, json.dumps({"first": wall, "first_cpu": cpu}).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            line = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert status == 0 and line, "a forked child failed its first request"
        print(MARK + line, flush=True)


if __name__ == "__main__":
    forks = int(os.environ.get("BENCH_FORKS", "0"))
    restored(forks) if forks else cold()
