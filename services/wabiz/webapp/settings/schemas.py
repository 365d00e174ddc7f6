"""The answer of `/v1/settings/application` (the PATCH body is `kit.appsettings`, read leniently)."""

from __future__ import annotations

from wabiz.kit.appsettings import ApplicationSettings
from wabiz.webapp.openapi import AnswerModel, Envelope


class ApplicationSection(AnswerModel):
    application: ApplicationSettings


class SettingsAnswer(Envelope):
    """The effective settings, every field given (defaults included)."""

    settings: ApplicationSection
