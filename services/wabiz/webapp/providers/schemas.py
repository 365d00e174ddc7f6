"""What the media providers endpoints answer (documentation: the answers are built as dicts)."""

from __future__ import annotations

from wabiz.kit.media_providers import MediaProvider
from wabiz.webapp.openapi import AnswerModel, Envelope


class ProvidersMedia(AnswerModel):
    providers: list[MediaProvider]  # passwords and tokens shown as ********


class ProvidersApplication(AnswerModel):
    media: ProvidersMedia


class ProvidersSection(AnswerModel):
    application: ProvidersApplication


class ProvidersAnswer(Envelope):
    settings: ProvidersSection
