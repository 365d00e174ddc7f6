"""What the media providers endpoints answer (documentation: the answers are built as dicts)."""

from __future__ import annotations

from pydantic import BaseModel

from wabiz.kit.media_providers import MediaProvider


class _Media(BaseModel):
    providers: list[MediaProvider]  # passwords and tokens shown as ********


class _Application(BaseModel):
    media: _Media


class _Settings(BaseModel):
    application: _Application


class ProvidersAnswer(BaseModel):
    settings: _Settings
