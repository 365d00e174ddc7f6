"""The business profile, the About text, the profile photo and two-step verification. Admins only.

Answers keep the On-Premises shapes (`settings.business.profile`, `settings.profile.about`,
`settings.profile.photo`); the network keeps the data (service.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.kit.media_types import PROFILE_PHOTO_TYPES
from wabiz.webapp.bodies import documented
from wabiz.webapp.deps import AdminUser, State, body_of
from wabiz.webapp.openapi import (
    Envelope,
    Responses,
    answer,
    answered,
    bytes_body,
    bytes_content,
    errors,
    json_content,
)
from wabiz.webapp.profile import service
from wabiz.webapp.profile.schemas import (
    About,
    AboutAnswer,
    BusinessProfile,
    BusinessProfileAnswer,
    PhotoLinkAnswer,
    TwoStep,
)

router = APIRouter(tags=["profile"])
CHANGED: Responses = {200: answered("Changed", Envelope)}
# What the network cannot do the CoreApp always refuses (coreapp/profile.py): those operations
# document their 400 as their answer, and no success.
REFUSED = 400
PHOTO_ANSWER = answer(
    "The photo's bytes (image/jpeg or image/png); with format=link, JSON with its URL",
    bytes_content(*PROFILE_PHOTO_TYPES) | json_content(PhotoLinkAnswer),
)


@router.get(
    "/v1/settings/business/profile",
    responses=errors(403, also={200: answered("The profile as the network has it", BusinessProfileAnswer)}),
)
async def get_business_profile(admin: AdminUser, state: State) -> JSON:
    profile = await service.business_profile(state)
    return JSON(ok(settings={"business": {"profile": profile}}))


@router.post(
    "/v1/settings/business/profile",
    openapi_extra=documented(BusinessProfile),
    responses=errors(400, 403, also=CHANGED),
)
async def set_business_profile(
    admin: AdminUser, body: Annotated[BusinessProfile, body_of(BusinessProfile)], state: State
) -> JSON:
    """Changes the fields given; the others stay as they are."""
    await service.update_business_profile(state, body)
    return JSON(ok())


@router.get(
    "/v1/settings/profile/about", responses=errors(403, also={200: answered("The About text", AboutAnswer)})
)
async def get_about(admin: AdminUser, state: State) -> JSON:
    return JSON(ok(settings={"profile": {"about": {"text": await service.about(state)}}}))


@router.patch(
    "/v1/settings/profile/about", openapi_extra=documented(About), responses=errors(400, 403, also=CHANGED)
)
async def set_about(admin: AdminUser, body: Annotated[About, body_of(About)], state: State) -> JSON:
    await service.set_about(state, body.text)
    return JSON(ok())


@router.get(
    "/v1/settings/profile/photo",
    response_class=Response,
    responses=errors(400, 403, 404, also={200: PHOTO_ANSWER}),
)
async def get_photo(admin: AdminUser, state: State, format: Literal["link"] | None = None) -> Response:
    """The photo's bytes, or with `format=link` its public URL on the network."""
    if format == "link":
        link = await service.photo_link(state)
        return JSON(ok(settings={"profile": {"photo": {"link": link}}}))
    data, mime_type = await service.photo(state)
    return Response(data, media_type=mime_type, headers={"X-Content-Type-Options": "nosniff"})


@router.post(
    "/v1/settings/profile/photo",
    openapi_extra=bytes_body(*PROFILE_PHOTO_TYPES),
    responses=errors(400, 403, also=CHANGED),
)
async def set_photo(admin: AdminUser, request: Request, state: State) -> JSON:
    """The body is the image (JPEG or PNG, at most 5 MB), sent as it is: square 640×640 shows best."""
    mime_type = service.photo_type(request.headers.get("content-type"))
    data = await service.read_photo(request.headers.get("content-length"), request.stream())
    await service.set_photo(state, data, mime_type)
    return JSON(ok())


@router.delete("/v1/settings/profile/photo", status_code=REFUSED, responses=errors(400, 403))
async def remove_photo(admin: AdminUser, state: State) -> JSON:
    """Refused (400, 1009): the network cannot remove a photo; replace it, or use WhatsApp Manager."""
    await service.remove_photo(state)
    return JSON(ok())


@router.post(
    "/v1/settings/account/two-step",
    openapi_extra=documented(TwoStep),
    responses=errors(400, 403, also=CHANGED),
)
async def set_two_step(admin: AdminUser, body: Annotated[TwoStep, body_of(TwoStep)], state: State) -> JSON:
    """Turns two-step verification on with this PIN, or changes the PIN."""
    await service.set_pin(state, body.pin)
    return JSON(ok())


@router.delete("/v1/settings/account/two-step", status_code=REFUSED, responses=errors(400, 403))
async def remove_two_step(admin: AdminUser, state: State) -> JSON:
    """Refused (400, 1009): the network cannot turn two-step verification off; use WhatsApp Manager."""
    await service.remove_pin(state)
    return JSON(ok())
