"""Every `/v1/groups…` route (groups, invite, participants, admins, leave, icon; any method).

The On-Premises Groups API is gone: Meta withdrew it from the On-Premises client, and the Cloud
API, which wabiz speaks to the network, has nothing that keeps its contract. An integration that
still calls it gets 410 with code 1410 saying so, instead of a 404 that reads like a typo.
Credentials are checked first, as on every other `/v1` route.
"""

from __future__ import annotations

from fastapi import APIRouter

from wabiz.kit.errors import FeatureRemoved
from wabiz.webapp.deps import CurrentUser
from wabiz.webapp.openapi import errors

router = APIRouter(prefix="/v1/groups", tags=["groups"])
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
REMOVED = (
    "the Groups API was removed: Meta withdrew it from the On-Premises client, and the Cloud API"
    " that wabiz connects to has no equivalent of this contract. Nothing was done."
)


async def groups(user: CurrentUser) -> None:
    """Removed (410, 1410)."""
    raise FeatureRemoved(REMOVED)


async def group_resource(path: str, user: CurrentUser) -> None:
    """Removed (410, 1410): `/{group_id}`, `/{group_id}/invite`, `/participants`, `/admins`,
    `/leave`, `/icon`, and anything else below `/v1/groups`."""
    raise FeatureRemoved(REMOVED)


# One route per method, each with its own operation id (a route of several methods shares one);
# the 410 is the only answer documented, as it is the only one given.
for method in METHODS:
    for path, endpoint, name in (("", groups, "groups"), ("/{path:path}", group_resource, "group_resource")):
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            status_code=410,
            operation_id=f"removed_{name}_{method.lower()}",
            responses=errors(410),
            deprecated=True,
        )
