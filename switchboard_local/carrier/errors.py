"""Twilio-shaped error answers: {"code", "message", "more_info", "status"}."""

from __future__ import annotations

from fastapi.responses import JSONResponse


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse({"code": self.code, "message": self.message,
                             "more_info": f"https://www.twilio.com/docs/errors/{self.code}", "status": self.status},
                            status_code=self.status)


def not_found(what: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {what} was not found")
