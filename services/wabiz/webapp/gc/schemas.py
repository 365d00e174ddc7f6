"""The answer of the garbage collectors' PUT (what the callback then says: `reports.py`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from wabiz.webapp.openapi import Meta


class _Status(BaseModel):
    status: Literal["processing"]


class _Collection(BaseModel):
    gc: _Status


class MediaServices(BaseModel):
    media: _Collection


class MessageServices(BaseModel):
    message: _Collection


class MediaGcAnswer(BaseModel):
    meta: Meta
    services: MediaServices


class MessageGcAnswer(BaseModel):
    meta: Meta
    services: MessageServices
