"""`python -m media_relay`: run the relay (settings from the environment)."""

import os

# One BLAS thread per relay process, set before numpy loads OpenBLAS: its worker threads busy-wait
# after every matrix product, ~125 ms of a core per end-of-turn decision here (whose features take
# 8 ms on the calling thread), and the relay already runs one process per vCPU. An operator's own
# setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from media_relay.server import run

run()
