"""Contacts: the project's address book (AgentPhone's `/v1/contacts`)."""

from __future__ import annotations

from pydantic import Field, field_validator

from switchboard.models.common import E164, RequestModel, ResponseModel


class ContactFields(RequestModel):
    email: str | None = Field(default=None, max_length=320)
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and (value.count("@") != 1 or "." not in value.split("@")[1] or " " in value):
            raise ValueError(f"'{value}' is not an email address")
        return value


class ContactCreate(ContactFields):
    phoneNumber: E164
    name: str = Field(min_length=1, max_length=200)


class ContactUpdate(ContactFields):
    """Only the fields sent change; `email` or `notes` sent as null are cleared."""

    phoneNumber: E164 | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)


class Contact(ResponseModel):
    id: str
    phoneNumber: str
    name: str
    email: str | None = None
    notes: str | None = None
    subAccountId: str | None = None
    createdAt: str
    updatedAt: str


class ContactList(ResponseModel):
    data: list[Contact]
    total: int
    hasMore: bool
