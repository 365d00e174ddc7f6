"""Request bodies and answers of `/v1/settings/backup` and `/v1/settings/restore`, and the
document a backup seals."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wabiz.webapp.bodies import StrictModel
from wabiz.webapp.openapi import AnswerModel, Envelope

# scrypt makes each guess costly, but a short password is still a short password.
BackupPassword = Annotated[str, Field(min_length=8, max_length=1024)]


class Backup(StrictModel):
    password: BackupPassword


class Restore(StrictModel):
    password: BackupPassword
    data: Annotated[str, Field(min_length=1)]


class BackupDocument(BaseModel):
    """What `data` holds once decrypted; `sections` as `sections.py` describes them."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["wabiz-backup"]
    wabiz_version: str
    created_at: str
    sections: dict[str, Any]


class SealedData(AnswerModel):
    data: str


class BackupAnswer(Envelope):
    settings: SealedData
