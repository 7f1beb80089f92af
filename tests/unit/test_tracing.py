"""When the handlers trace (Powertools' rule), and that the stand-in leaves handlers as they are."""

from __future__ import annotations

from switchboard.tracing import NoTracer, tracer, tracing_enabled

IN_LAMBDA = {"LAMBDA_TASK_ROOT": "/var/task"}


def test_tracing_is_on_in_lambda_unless_disabled() -> None:
    assert tracing_enabled(IN_LAMBDA)
    assert tracing_enabled({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "false"})
    assert not tracing_enabled({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "true"})
    assert not tracing_enabled({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "1"})


def test_tracing_is_off_outside_lambda_and_under_sam_local() -> None:
    assert not tracing_enabled({})
    assert not tracing_enabled({**IN_LAMBDA, "AWS_SAM_LOCAL": "true"})
    assert not tracing_enabled({**IN_LAMBDA, "AWS_CHALICE_CLI_MODE": "true"})


def test_a_disabled_tracer_is_the_stand_in() -> None:
    assert isinstance(tracer("svc", {**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "true"}), NoTracer)


def test_the_stand_in_returns_handlers_unchanged_in_both_decorator_forms() -> None:
    stand_in = NoTracer("svc")

    def handler(event: dict[str, str], context: object) -> str:
        return event["x"]

    assert stand_in.capture_lambda_handler(handler) is handler
    assert stand_in.capture_lambda_handler(capture_response=False)(handler) is handler
    assert stand_in.capture_method(handler) is handler
    assert stand_in.capture_method(capture_error=False)(handler) is handler
    assert handler({"x": "y"}, None) == "y"
