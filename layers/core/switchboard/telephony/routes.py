"""/telephony/twilio/*: reached by the carrier, never by API users; every request is signature-checked."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from switchboard.api.deps import container
from switchboard.telephony import calls, sms
from switchboard.telephony.twilio_request import signed_form

router = APIRouter(prefix="/telephony/twilio", tags=["telephony"], include_in_schema=False)

XML = "application/xml"


@router.post("/voice")
async def inbound_call(request: Request) -> Response:
    c = container(request)
    form = await signed_form(request, c)
    from starlette.concurrency import run_in_threadpool

    return Response(await run_in_threadpool(calls.answer_inbound, c, form), media_type=XML)


@router.post("/status")
async def call_status(request: Request) -> Response:
    c = container(request)
    form = await signed_form(request, c)
    from starlette.concurrency import run_in_threadpool

    await run_in_threadpool(calls.apply_status, c, form)
    return Response(status_code=204)


@router.post("/sms")
async def inbound_sms(request: Request) -> Response:
    """An inbound text: stored and reported as events; the answer is an empty <Response/> (no auto-reply)."""
    from starlette.concurrency import run_in_threadpool

    c = container(request)
    form = await signed_form(request, c)
    await run_in_threadpool(sms.receive, c, form)
    return Response(sms.EMPTY_TWIML, media_type="text/xml")


@router.post("/sms-status")
async def sms_status(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    c = container(request)
    form = await signed_form(request, c)
    await run_in_threadpool(sms.apply_status, c, form, dict(request.query_params))
    return Response(status_code=204)
