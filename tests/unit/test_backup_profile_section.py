"""The profile section of a backup (`webapp/backup/profile_section.py`): what it takes from the
network's profile, what it refuses, and what a restore sends back."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.tooling.profiles import BACKED_UP_PROFILE, NETWORK_PROFILE, RESTORED_PROFILE
from wabiz.kit.errors import InternalError
from wabiz.webapp.backup.profile_section import ProfileSection, changes, section_of


def test_every_field_is_kept_with_the_industry_as_its_code_and_the_photo_left_out() -> None:
    assert section_of(NETWORK_PROFILE).model_dump(mode="json") == BACKED_UP_PROFILE


@pytest.mark.parametrize("vertical", [None, "", "UNDEFINED"])
def test_what_the_network_cannot_be_given_back_is_left_out(vertical: str | None) -> None:
    """An empty industry or About cannot be set, so the section holds none: the target keeps its own."""
    section = section_of({"vertical": vertical, "about": ""})
    assert (section.business.vertical, section.about) == (None, None)
    assert changes(section) == {"address": "", "description": "", "email": "", "websites": []}


def test_a_restore_sends_every_field_in_the_network_s_names() -> None:
    assert changes(section_of(NETWORK_PROFILE)) == RESTORED_PROFILE


def test_a_network_profile_that_a_restore_would_refuse_is_not_backed_up() -> None:
    with pytest.raises(InternalError, match=r"cannot be backed up: business\.email"):
        section_of(NETWORK_PROFILE | {"email": "not-an-address"})


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"business": {"websites": ["ftp://example.com"]}, "about": None}, "websites"),
        ({"business": {"vertical": "Spaceships"}, "about": None}, "vertical"),
        ({"business": {}, "about": {"text": "x" * 140}}, "about"),
        ({"business": {}, "about": {"text": ""}}, "about"),
        ({"business": {}, "about": None, "photo": "x"}, "photo"),
        ({"business": {"colour": "green"}, "about": None}, "colour"),
    ],
)
def test_the_section_is_checked_as_the_profile_endpoints_check_their_bodies(
    section: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match=field):
        ProfileSection.model_validate(section)
