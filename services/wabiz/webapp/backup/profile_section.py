"""The profile section: the part of a backup that the network keeps, not the database.

The business profile and the About text live on the WhatsApp network, for the number, and only a
CoreApp reads or writes them (`webapp/profile/service.py`). So this section is read through a
CoreApp when the backup is made, and pushed through one when it is restored, after the database's
transaction committed: the restored account names the number it goes to. It holds what
`POST /v1/settings/business/profile` and `PATCH /v1/settings/profile/about` can set back, checked by
their own models; the network takes neither an empty industry nor an empty About, so a profile
without them leaves the target's as they are.

Not the photo: up to 5 MB of it would take a backup past the restore's JSON body limit
(`WABIZ_MAX_JSON_BYTES`), and the network serves back its own copy, not necessarily the upload;
keep the image and post it again.

An unregistered number has no profile on the network: the backup leaves the section out, and its
restore leaves the target's profile alone. A registered number's profile that cannot be read (no
CoreApp reachable) refuses the backup: a backup silently without it would be found out only when
restored.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from wabiz.kit.errors import ApiError, InternalError, NotReady
from wabiz.kit.validation import error_from_validation
from wabiz.webapp.profile import rules
from wabiz.webapp.profile.schemas import About, BusinessProfile
from wabiz.webapp.profile.service import PROFILE, network_profile
from wabiz.webapp.state import AppState

log = logging.getLogger(__name__)
NAME = "profile"


class ProfileSection(BaseModel):
    """`business` as the POST takes it (the industry as its code), `about` as the PATCH does;
    a field left out (None) is one the network had no value for."""

    model_config = ConfigDict(extra="forbid")

    business: BusinessProfile
    about: About | None


def section_of(cloud: dict[str, Any]) -> ProfileSection:
    """The section of the network's profile (Cloud API names); 1014 when the network holds what
    its own rules, and so a restore, would refuse."""
    business = rules.business_profile(cloud)
    if rules.vertical_code(business["vertical"]) is None:  # never set, or a code such as UNDEFINED
        business["vertical"] = None
    about = cloud.get("about")
    try:
        return ProfileSection.model_validate(
            {"business": business, "about": {"text": about} if about else None}
        )
    except ValidationError as exc:
        problem = error_from_validation(exc.errors()).details
        raise InternalError(f"the business profile on the network cannot be backed up: {problem}") from None


async def read_profile(state: AppState) -> ProfileSection | None:
    """The profile to back up; None when the number is not registered (the network has none)."""
    if not (await state.shard_maps.get(fresh=True)).registered:
        log.info("backup without the business profile: the number is not registered")
        return None
    try:
        cloud = await network_profile(state)
    except ApiError as exc:
        raise NotReady(
            f"the backup needs the business profile, which could not be read: {exc.details}"
        ) from None
    return section_of(cloud)


def changes(section: ProfileSection) -> dict[str, Any]:
    """What to send the network (Cloud API names): every field the section has."""
    fields = section.business.model_dump(exclude_none=True)
    return fields | ({"about": section.about.text} if section.about else {})


async def apply_profile(state: AppState, section: ProfileSection) -> None:
    """Set the restored profile on the network. It runs after the restore committed, so a failure
    says that the rest was restored, and how to set the profile once a CoreApp can."""
    try:
        await state.coreapps.to_any("POST", PROFILE, changes(section))
    except ApiError as exc:
        raise NotReady(
            f"the backup was restored except the business profile, which could not be set: {exc.details}."
            " Every token was revoked: log in with the restored passwords and restore the same backup"
            " again to set the profile"
        ) from None
