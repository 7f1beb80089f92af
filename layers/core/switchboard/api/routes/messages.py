"""/v1/messages: send a text from an agent's number (camelCase or snake_case body)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from switchboard.api.deps import CtxDep
from switchboard.models.message import MessageSend, SentMessage
from switchboard.services import messages as service

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.post("", response_model=SentMessage, status_code=201)
def send_message(body: MessageSend, ctx: CtxDep,
                 idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Any:
    result = ctx.c.idempotency.run("send_message", ctx.project_id, idempotency_key, body.model_dump(mode="json"),
                                   lambda: SentMessage.model_validate(
                                       service.send(ctx.c, ctx.project_id, body)).model_dump(mode="json"))
    return JSONResponse(result, status_code=201)
