"""Request bodies and answers of `/v1/account…`."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import Field, field_validator

from wabiz.webapp.bodies import StrictModel
from wabiz.webapp.openapi import AnswerModel, Envelope

CountryCode = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,2}$")]
PhoneNumber = Annotated[str, Field(pattern=r"^[0-9]{4,14}$")]
Pin = Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class Registration(StrictModel):
    cc: CountryCode
    phone_number: PhoneNumber
    method: Literal["sms", "voice"]
    cert: Annotated[str, Field(min_length=4, max_length=8192)]
    pin: Pin | None = None

    @field_validator("cert")
    @classmethod
    def _base64(cls, cert: str) -> str:
        try:
            base64.b64decode(cert, validate=True)
        except binascii.Error:
            raise ValueError("cert must be the base64 certificate from WhatsApp Manager") from None
        return cert


class Verification(StrictModel):
    code: Annotated[str, Field(pattern=r"^[0-9]{3,8}$")]


class ShardChange(StrictModel):
    cc: CountryCode
    phone_number: PhoneNumber
    shards: Literal[1, 2, 4, 8, 16, 32]  # kit.sharding.SHARD_COUNTS
    pin: Pin | None = None


class VerifiedName(AnswerModel):
    vname: str | None  # the display name the network knows, if it gave one


class CodeSentAnswer(Envelope):
    account: list[VerifiedName]


class Shards(AnswerModel):
    shards: int


class ShardsAnswer(Envelope):
    account: Shards
