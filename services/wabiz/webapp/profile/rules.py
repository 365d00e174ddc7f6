"""The business profile between the two vocabularies: On-Premises for clients, Cloud API for the network.

The fields keep their names; only the industry differs: On-Premises clients name it in words
("Professional Services"), the Cloud API by a code (`PROF_SERVICES`). Either is accepted, the code
goes to the network and the words come back, so an On-Premises client reads what it wrote.
"""

from __future__ import annotations

from typing import Any

# Cloud API vertical code → the On-Premises name of the same industry.
VERTICAL_NAMES = {
    "AUTO": "Automotive",
    "BEAUTY": "Beauty, Spa and Salon",
    "APPAREL": "Clothing and Apparel",
    "EDU": "Education",
    "ENTERTAIN": "Entertainment",
    "EVENT_PLAN": "Event Planning and Service",
    "FINANCE": "Finance and Banking",
    "GROCERY": "Food and Grocery",
    "GOVT": "Public Service",
    "HOTEL": "Hotel and Lodging",
    "HEALTH": "Medical and Health",
    "NONPROFIT": "Non-profit",
    "PROF_SERVICES": "Professional Services",
    "RETAIL": "Shopping and Retail",
    "TRAVEL": "Travel and Transportation",
    "RESTAURANT": "Restaurant",
    "OTHER": "Other",
}
_CODES = {name.casefold(): code for code, name in VERTICAL_NAMES.items()} | {
    code.casefold(): code for code in VERTICAL_NAMES
}
PROFILE_FIELDS = ("address", "description", "email", "vertical", "websites")


def vertical_code(given: str) -> str | None:
    """The Cloud API code of an industry given by its On-Premises name or its code (any case)."""
    return _CODES.get(given.strip().casefold())


def vertical_name(code: str) -> str:
    """The On-Premises name of a Cloud API code; a code it does not know (UNDEFINED, …) as it is."""
    return VERTICAL_NAMES.get(code, code)


def business_profile(cloud: dict[str, Any]) -> dict[str, Any]:
    """The On-Premises `settings.business.profile` of the network's profile: every field, empty
    when never set."""
    profile: dict[str, Any] = {name: cloud.get(name) or "" for name in PROFILE_FIELDS}
    profile["vertical"] = vertical_name(str(profile["vertical"])) if profile["vertical"] else ""
    websites = cloud.get("websites")
    profile["websites"] = websites if isinstance(websites, list) else []
    return profile
