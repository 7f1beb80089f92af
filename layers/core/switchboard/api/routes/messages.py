"""/v1/messages: sending SMS arrives with the messaging work; no route is served here yet."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/messages", tags=["messages"])
