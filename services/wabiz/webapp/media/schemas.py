"""The answer of `POST /v1/media` (the body is the raw bytes; the download is bytes too)."""

from __future__ import annotations

from wabiz.webapp.openapi import AnswerModel, Envelope


class MediaId(AnswerModel):
    id: str


class UploadAnswer(Envelope):
    media: list[MediaId]
