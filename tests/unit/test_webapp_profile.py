"""The profile's pure pieces: the two vocabularies of the industry, the On-Premises shape, the bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from wabiz.kit.errors import ApiError, InvalidParameter, MissingParameter
from wabiz.kit.media_types import PROFILE_PHOTO_LIMIT
from wabiz.webapp.bodies import to_model
from wabiz.webapp.profile import service
from wabiz.webapp.profile.rules import VERTICAL_NAMES, business_profile, vertical_code, vertical_name
from wabiz.webapp.profile.schemas import About, BusinessProfile, TwoStep


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("Professional Services", "PROF_SERVICES"),
        ("beauty, spa and salon", "BEAUTY"),
        (" Non-profit ", "NONPROFIT"),
        ("RETAIL", "RETAIL"),
        ("retail", "RETAIL"),
        ("E-Commerce", None),
        ("UNDEFINED", None),
    ],
)
def test_an_industry_is_named_in_words_or_by_its_code(given: str, code: str | None) -> None:
    assert vertical_code(given) == code


def test_every_industry_reads_back_as_it_was_written() -> None:
    for code, name in VERTICAL_NAMES.items():
        assert vertical_name(code) == name
        assert vertical_code(name) == code
    assert vertical_name("NOT_A_BIZ") == "NOT_A_BIZ", "a code without a name is shown as it is"


def test_the_network_profile_in_the_on_premises_shape() -> None:
    cloud = {"about": "hi", "email": "a@b.co", "vertical": "HOTEL", "profile_picture_url": "https://x"}
    assert business_profile(cloud) == {
        "address": "",
        "description": "",
        "email": "a@b.co",
        "vertical": "Hotel and Lodging",
        "websites": [],
    }
    assert business_profile({"websites": ["https://a"]})["websites"] == ["https://a"]


def test_a_profile_change_carries_cloud_codes_and_drops_nulls() -> None:
    body = to_model(BusinessProfile, {"vertical": "Automotive", "address": None, "websites": ["https://a.b"]})
    assert body.model_dump(exclude_none=True) == {"vertical": "AUTO", "websites": ["https://a.b"]}


@pytest.mark.parametrize(
    ("model", "body", "code", "field"),
    [
        (BusinessProfile, {"address": "x" * 257}, 1009, "address"),
        (BusinessProfile, {"description": "x" * 513}, 1009, "description"),
        (BusinessProfile, {"email": "x" * 120 + "@example.com"}, 1009, "email"),
        (BusinessProfile, {"email": "nobody"}, 1009, "email"),
        (BusinessProfile, {"vertical": "Spaceships"}, 1009, "vertical"),
        (BusinessProfile, {"websites": ["https://a", "https://b", "https://c"]}, 1009, "websites"),
        (BusinessProfile, {"websites": ["www.example.com"]}, 1009, "websites[0]"),
        (BusinessProfile, {"websites": "https://a"}, 1009, "websites"),
        (BusinessProfile, {"phone": "1"}, 1010, "phone"),
        (About, {}, 1008, "text"),
        (About, {"text": ""}, 1009, "text"),
        (About, {"text": "x" * 140}, 1009, "text"),
        (TwoStep, {"pin": "12345"}, 1009, "pin"),
        (TwoStep, {"pin": 123456}, 1009, "pin"),
    ],
)
def test_bad_bodies_name_the_field(model: Any, body: dict[str, Any], code: int, field: str) -> None:
    with pytest.raises(ApiError) as caught:
        to_model(model, body)
    assert caught.value.code == code
    assert caught.value.details.startswith(field), caught.value.details


@pytest.mark.parametrize(
    ("content_type", "mime", "error"),
    [
        ("image/png", "image/png", None),
        ("Image/JPEG; q=1", "image/jpeg", None),
        (None, None, MissingParameter),
        ("image/gif", None, InvalidParameter),
        ("application/octet-stream", None, InvalidParameter),
    ],
)
def test_the_photo_is_a_jpeg_or_png_image(
    content_type: str | None, mime: str | None, error: type[ApiError] | None
) -> None:
    if error is None:
        assert service.photo_type(content_type) == mime
    else:
        with pytest.raises(error):
            service.photo_type(content_type)


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_the_photo_is_read_within_its_limit() -> None:
    assert await service.read_photo("3", _chunks(b"p", b"ng")) == b"png"
    too_large = str(PROFILE_PHOTO_LIMIT + 1)
    for declared, chunks in (
        (too_large, _chunks()),  # refused from the header, before reading
        (None, _chunks(b"x" * PROFILE_PHOTO_LIMIT, b"x")),
        (None, _chunks()),
    ):
        with pytest.raises(InvalidParameter):
            await service.read_photo(declared, chunks)
