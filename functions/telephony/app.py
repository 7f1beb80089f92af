"""Lambda: the carrier-facing /telephony routes (inbound calls, call status), signature-checked."""

from __future__ import annotations

from switchboard.init_phase import init_phase

# Built with the garbage collector paused, and then frozen (init_phase.py says why).
with init_phase():
    from switchboard.api.lambda_entry import fastapi_lambda

    function = fastapi_lambda("telephony", public=False)

app, tracer, handler = function.app, function.tracer, function.handler
