"""Backing the installation up into one encrypted document, and restoring it elsewhere.

A backup reads every database section (`sections.py`) in one transaction and the profile through a
CoreApp (`profile_section.py`), serialises them and seals the result under the caller's password
(`encryption.py`). A restore opens and checks the whole document before it writes anything, then
writes every database section in one transaction: a wrong password, an altered blob or a section
that does not fit changes nothing. The profile goes to the network once that transaction committed,
since the restored account names the number it belongs to. Restoring users revokes every token (the
passwords behind them may have changed), the caller's too: log in again with the restored
credentials. The key derivation runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson
from pydantic import BaseModel, ValidationError

from wabiz import __version__
from wabiz.kit.appsettings import check_webhook_url
from wabiz.kit.errors import InvalidParameter
from wabiz.kit.validation import error_from_validation
from wabiz.kit.webhook_guard import url_refusal
from wabiz.webapp.backup import profile_section
from wabiz.webapp.backup.encryption import BackupUnreadable, decrypt, encrypt
from wabiz.webapp.backup.profile_section import ProfileSection
from wabiz.webapp.backup.schemas import BackupDocument
from wabiz.webapp.backup.sections import SECTIONS, SettingsSection
from wabiz.webapp.state import AppState

MODELS: dict[str, type[BaseModel]] = {s.name: s.model for s in SECTIONS} | {
    profile_section.NAME: ProfileSection
}


async def backup(state: AppState, password: str) -> str:
    """The `data` of a backup of this installation, sealed under `password`."""
    async with state.sessions() as session, session.begin():
        sections = {s.name: (await s.read(session)).model_dump(mode="json") for s in SECTIONS}
    if profile := await profile_section.read_profile(state):
        sections[profile_section.NAME] = profile.model_dump(mode="json")
    document = BackupDocument(
        format="wabiz-backup",
        wabiz_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        sections=sections,
    )
    return await asyncio.to_thread(encrypt, orjson.dumps(document.model_dump()), password)


def parse_document(plain: bytes) -> dict[str, BaseModel]:
    """Every section of a decrypted backup by name, checked; 1009 naming the first thing that does
    not fit."""
    try:
        document = BackupDocument.model_validate(orjson.loads(plain))
    except (orjson.JSONDecodeError, ValidationError):
        raise InvalidParameter("data is not a backup document this wabiz can read") from None
    unknown = sorted(set(document.sections) - set(MODELS))
    if unknown:
        raise InvalidParameter(f"data holds sections this wabiz cannot restore: {', '.join(unknown)}")
    parsed = {}
    for name, raw in document.sections.items():
        try:
            parsed[name] = MODELS[name].model_validate(raw)
        except ValidationError as exc:
            problem = error_from_validation(exc.errors())
            raise InvalidParameter(f"data, section {name}: {problem.details}") from None
    return parsed


async def _check_webhook(state: AppState, settings: BaseModel | None) -> None:
    """The restored webhook URL must pass what a PATCH of the settings would make it pass."""
    if not isinstance(settings, SettingsSection):
        return
    where = "data, section settings: overrides:"
    url = settings.overrides.get("webhooks", {}).get("url")
    if problem := check_webhook_url(url, state.config.insecure_webhooks_allowed):
        raise InvalidParameter(f"{where} {problem.details}")
    if url is not None and (refused := await url_refusal(url, state.config.webhook_policy)):
        raise InvalidParameter(f"{where} webhooks.url is refused: {refused}")


async def restore(state: AppState, password: str, data: str) -> None:
    try:
        plain = await asyncio.to_thread(decrypt, data, password)
    except BackupUnreadable as exc:
        raise InvalidParameter(str(exc)) from None
    parsed = parse_document(plain)
    await _check_webhook(state, parsed.get("settings"))
    async with state.sessions.begin() as session:
        for section in SECTIONS:
            if section.name in parsed:
                await section.write(session, parsed[section.name])
    state.tokens.entries.clear()
    await state.shard_maps.get(fresh=True)
    if isinstance(profile := parsed.get(profile_section.NAME), ProfileSection):
        await profile_section.apply_profile(state, profile)
