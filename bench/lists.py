"""List latency and items read against a project's size: 100, 1,000, 10,000 and 100,000 items.

Each size gets a fresh table in a local moto server holding N agents and N calls (ten numbers,
calls spread over ten agents, every other agent and call in one sub-account), written with batch
writes in the items' real shape. The lists are then asked through the real API (FastAPI under
Mangum, as the Lambda runs it). Items read are counted at the DynamoDB client (ScannedCount of
each Query, items of each GetItem/BatchGetItem): moto reports a constant ConsumedCapacity per
request whatever it reads, so it cannot show the cost. moto also walks its whole table on every Query
(DynamoDB reads only the items it returns), so latency against moto grows with the table whatever the
code asks; each list's "own" time (latency less the time waiting on DynamoDB) and its number of requests
are printed beside it, and a bare Query's time on the same table.
Run: .venv/bin/python bench/lists.py [--sizes 100 1000 10000 100000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.support (the bench reuses the test harness helpers)
from tests.support.dynamo_reads import items_read  # noqa: E402

os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                   "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true",
                   "POWERTOOLS_LOG_LEVEL": "WARNING"})

from bench.list_seed import Seeded, seed  # noqa: E402

PAGE = 20
SETTLE_S = 2.1  # listing.SETTLE_MS, and a little more
JUMP = 80  # a cold jump every size can serve (the 100-item project has 100 calls)


@dataclass
class Reads:
    """DynamoDB requests since the last reset: how many, items read (from the responses), time waited."""

    items: int = 0
    requests: int = 0
    waited_s: float = 0.0
    started: float = 0.0

    def reset(self) -> None:
        self.items, self.requests, self.waited_s = 0, 0, 0.0

    def before(self, **_: Any) -> None:
        self.started = time.perf_counter()

    def hook(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.waited_s += time.perf_counter() - self.started
        self.requests += 1
        self.items += items_read(parsed)


@dataclass
class Figure:
    ms: list[float] = field(default_factory=list)
    own_ms: list[float] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)

    def add(self, ms: float, reads: Reads) -> None:
        self.ms.append(ms)
        self.own_ms.append(ms - reads.waited_s * 1000)
        self.items.append(reads.items)
        self.requests.append(reads.requests)

    def line(self) -> str:
        med = statistics.median
        return (f"p50 {med(self.ms):8.1f} ms (API's own {med(self.own_ms):5.1f} ms), "
                f"{med(self.requests):3.0f} requests, items read {med(self.items):6.0f}")


def request(asgi: Any, key: str, path: str, query: str, sub: str | None = None) -> dict[str, Any]:
    from tests.support.lambdas import FakeContext, load_event

    event = load_event("api-get-agents.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    event["headers"]["authorization"] = f"Bearer {key}"
    if sub:
        event["headers"]["x-sub-account-id"] = sub
    response = asgi(event, FakeContext())
    assert response["statusCode"] == 200, (path, query, response["body"][:300])
    return json.loads(response["body"])


def routes(s: Seeded) -> dict[str, tuple[str, str, str | None]]:
    """name -> (path, query, sub-account header) of every list measured on its first page."""
    return {
        "GET /v1/agents": ("/v1/agents", f"limit={PAGE}", None),
        "GET /v1/calls": ("/v1/calls", f"limit={PAGE}", None),
        "GET /v1/calls?status=completed": ("/v1/calls", f"limit={PAGE}&status=completed", None),
        "GET /v1/calls?status=busy&direction=web": ("/v1/calls", f"limit={PAGE}&status=busy&direction=web", None),
        "GET /v1/calls?direction=web": ("/v1/calls", f"limit={PAGE}&direction=web", None),
        "GET /v1/agents/{id}/calls": (f"/v1/agents/{s.agent_ids[0]}/calls", f"limit={PAGE}", None),
        "GET /v1/numbers/{id}/calls": (f"/v1/numbers/{s.number_ids[0]}/calls", f"limit={PAGE}", None),
        "GET /v1/calls (sub-account)": ("/v1/calls", f"limit={PAGE}", s.sub_id),
        "GET /v1/calls?status=completed (sub)": ("/v1/calls", f"limit={PAGE}&status=completed", s.sub_id),
        "GET /v1/agents (sub-account)": ("/v1/agents", f"limit={PAGE}", s.sub_id),
    }


def measure(asgi: Any, reads: Reads, key: str, path: str, query: str, sub: str | None, repeat: int) -> Figure:
    figure = Figure()
    for _ in range(repeat):
        reads.reset()
        t0 = time.perf_counter()
        request(asgi, key, path, query, sub)
        figure.add((time.perf_counter() - t0) * 1000, reads)
    return figure


def walk(asgi: Any, reads: Reads, key: str, pages: int) -> Figure:
    """Sequential paging offset=20, 40, ... as the SDK does after its first page (page 1 read before)."""
    figure = Figure()
    request(asgi, key, "/v1/calls", f"limit={PAGE}&offset=0")
    for n in range(1, pages + 1):
        reads.reset()
        t0 = time.perf_counter()
        body = request(asgi, key, "/v1/calls", f"limit={PAGE}&offset={n * PAGE}")
        figure.add((time.perf_counter() - t0) * 1000, reads)
        if not body["hasMore"]:
            break
    return figure


def jump(asgi: Any, reads: Reads, key: str, offset: int) -> Figure:
    """A first request straight at `offset` (no cursor on the way there): keys read up to it, once."""
    figure = Figure()
    reads.reset()
    t0 = time.perf_counter()
    request(asgi, key, "/v1/calls", f"limit={PAGE}&offset={offset}&direction=inbound")
    figure.add((time.perf_counter() - t0) * 1000, reads)
    return figure


def moto_floor(container: Any, repeat: int) -> Figure:
    """What moto takes to answer one Query for one item here: it walks the whole table on every Query
    (DynamoDB reads only what it returns), so this grows with the table whatever the code asks."""
    figure = Figure()
    for _ in range(repeat):
        t0 = time.perf_counter()
        list(container.table.query("NO-SUCH-PARTITION", limit=1))
        figure.ms.append((time.perf_counter() - t0) * 1000)
    return figure


def run_size(endpoint: str, size: int, repeat: int, pages: int) -> dict[str, Any]:
    import boto3
    from botocore.config import Config
    from mangum import Mangum

    from switchboard.api.app import create_app
    from switchboard.container import Container
    from switchboard.settings import Settings
    from switchboard.store.schema import create_table

    table_name = f"bench-lists-{size}"
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    create_table(ddb, table_name, REPO / "template.yaml")
    try:
        container = Container(Settings(table_name=table_name, aws_endpoint_url=endpoint, local_mode=True,
                                       signing_key="bench-lists"))
        # The API's 10 s read timeout is for an unreachable table; a slow old-style list on moto must finish.
        container.dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                                          config=Config(read_timeout=900, retries={"max_attempts": 1}))
        t0 = time.perf_counter()
        seeded = seed(container, size)
        seed_s = time.perf_counter() - t0
        time.sleep(SETTLE_S)  # lists changed this recently cache no cursor (their indexes may lag): as in use
        reads = Reads()
        container.dynamodb.meta.events.register("before-call.dynamodb", reads.before)
        container.dynamodb.meta.events.register("after-call.dynamodb", reads.hook)
        asgi = Mangum(create_app(container, telephony=False), lifespan="off")
        results: dict[str, Any] = {"seed_s": seed_s}
        measure(asgi, reads, seeded.api_key, "/v1/agents", "limit=1", None, 1)  # warm the app once
        for name, (path, query, sub) in routes(seeded).items():
            results[name] = measure(asgi, reads, seeded.api_key, path, query, sub, repeat)
        results["walk"] = walk(asgi, reads, seeded.api_key, pages=pages)
        results["jump"] = jump(asgi, reads, seeded.api_key, JUMP)
        results["floor"] = moto_floor(container, repeat)
        return results
    finally:
        ddb.delete_table(TableName=table_name)


LABELS = {"walk": "next pages of GET /v1/calls (offset 20...)",
          "jump": f"cold jump: offset {JUMP} of ?direction=inbound"}


def report(size: int, results: dict[str, Any]) -> None:
    print(f"\n== {size:,} agents and {size:,} calls (seeded in {results['seed_s']:.1f} s)")
    for name, figure in results.items():
        if isinstance(figure, Figure) and name != "floor":
            print(f"  {LABELS.get(name, name):44s} {figure.line()}")
    print(f"  {'moto: one Query of an empty partition':44s} p50 {statistics.median(results['floor'].ms):8.1f} ms")


def ratios(first: dict[str, Any], last: dict[str, Any], sizes: tuple[int, int]) -> None:
    print(f"\n== ratio {sizes[1]:,} / {sizes[0]:,} (1.0 = flat)")
    med = statistics.median
    for name, figure in last.items():
        if isinstance(figure, Figure) and name != "floor":
            base = first[name]
            lat = med(figure.ms) / med(base.ms)
            own = med(figure.own_ms) / max(0.1, med(base.own_ms))
            items = med(figure.items) / max(1.0, med(base.items))
            print(f"  {LABELS.get(name, name):44s} latency x{lat:6.2f} (own x{own:5.2f}), "
                  f"items read x{items:6.2f}")
    floor = med(last["floor"].ms) / med(first["floor"].ms)
    print(f"  {'moto: one Query of an empty partition':44s} latency x{floor:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=9, help="requests per list and size (the p50 of them)")
    parser.add_argument("--pages", type=int, default=9, help="pages walked after the first, offset 20, 40, ...")
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    from tests.support.servers import free_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        by_size = {}
        for size in args.sizes:
            by_size[size] = run_size(f"http://127.0.0.1:{port}", size, args.repeat, args.pages)
            report(size, by_size[size])
        if len(args.sizes) > 1:
            ratios(by_size[args.sizes[0]], by_size[args.sizes[-1]], (args.sizes[0], args.sizes[-1]))
        if len(args.sizes) > 2:  # the smallest project's filtered lists hold less than a page: from the next
            ratios(by_size[args.sizes[1]], by_size[args.sizes[-1]], (args.sizes[1], args.sizes[-1]))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
