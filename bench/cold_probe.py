"""One API Lambda cold start in this fresh process: init, then the first request; prints one JSON line.

Run by bench/api_cold_start.py (cwd: the repository), on a virtualenv or with `python -S` on a built layer
alone. Only the standard library is imported before the clock starts, as in the old one-line snippet. Init
is what Lambda's init phase does: import functions/api/app.py, which builds the handler. The request is the
event in BENCH_EVENT (JSON).

With BENCH_FORKS=N the process instead approximates SnapStart: it initializes as Lambda does for a
snapshot (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start), runs the before-snapshot hooks registered with
`snapshot_restore_py` as the runtime does, then forks N children, each a copy of the initialized
process, and times each child's first request.
"""

from __future__ import annotations

# Nothing but these before the clock starts (os and sys are loaded with the interpreter anyway).
import importlib.util
import os
import sys
import time

MARK = "BENCH "


class Context:
    """The Lambda context attributes our handlers and Powertools read."""

    function_name = "switchboard-api-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:switchboard-api-bench"
    aws_request_id = "bench-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


def run_before_snapshot_hooks() -> int:
    """What Lambda's runtime does before it takes the snapshot: the registered hooks, last first."""
    from snapshot_restore_py import get_before_snapshot

    hooks = get_before_snapshot()
    count = len(hooks)
    while hooks:
        func, args, kwargs = hooks.pop()
        func(*args, **kwargs)
    return count


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

    os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"  # as Lambda sets it for a snapshot's init
    module = init()
    hooks = run_before_snapshot_hooks()  # none in a checkout from before the hooks: the snapshot is init's state
    for _ in range(forks):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            wall, cpu = first_request(module)
            os.write(write, json.dumps({"first": wall, "first_cpu": cpu, "hooks": hooks}).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            line = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert status == 0 and line, "a forked child failed its first request"
        print(MARK + line, flush=True)


if __name__ == "__main__":
    if "BENCH_EVENT" not in os.environ:  # `make bench` runs every bench/*.py: this one is a helper
        print("bench/cold_probe.py is run by bench/api_cold_start.py, which gives it the request to serve")
        sys.exit(0)
    forks = int(os.environ.get("BENCH_FORKS", "0"))
    restored(forks) if forks else cold()
