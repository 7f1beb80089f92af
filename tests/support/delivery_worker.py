"""The delivery worker as its own process (what Lambda runs for the queue): `python -m tests.support.delivery_worker`.

Settings come from the environment; it polls until killed, so a test can kill it mid-delivery.
"""

from __future__ import annotations

import signal
import threading

from switchboard.container import get_container
from switchboard_local.pollers import DeliveryPoller
from switchboard_local.runtime import load_function


def main() -> None:
    c = get_container()
    assert c.settings.delivery_queue_url
    worker = DeliveryPoller(c.aws_client("sqs"), c.settings.delivery_queue_url, load_function("deliveries").handler)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    worker.start()
    print("worker polling", flush=True)
    done.wait()


if __name__ == "__main__":
    main()
