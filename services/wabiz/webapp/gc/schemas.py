"""The answer of the garbage collectors' PUT (what the callback then says: `reports.py`)."""

from __future__ import annotations

from typing import Literal

from wabiz.webapp.openapi import AnswerModel, Envelope


class GcStatus(AnswerModel):
    status: Literal["processing"]


class Collection(AnswerModel):
    gc: GcStatus


class MediaServices(AnswerModel):
    media: Collection


class MessageServices(AnswerModel):
    message: Collection


class MediaGcAnswer(Envelope):
    services: MediaServices


class MessageGcAnswer(Envelope):
    services: MessageServices
