"""The Cloud API's rules for a business phone number's profile, PIN and description (docs/sandbox.md).

Pure functions: they check a request the way the Cloud API documents it and say why it is refused
(400, code 100), or build an answer in its shape; `network.py` keeps the state. The limits are the
Cloud API's: about 1–139 characters, address 256, description 512, email 128, at most two
websites of 256 characters each, starting with http:// or https://, a vertical from its list.
"""

from __future__ import annotations

import re
from typing import Any

from wabiz.sandbox.templates import Catalogue, TemplateEntry

VERTICALS = frozenset(
    {
        "UNDEFINED",
        "OTHER",
        "AUTO",
        "BEAUTY",
        "APPAREL",
        "EDU",
        "ENTERTAIN",
        "EVENT_PLAN",
        "FINANCE",
        "GROCERY",
        "GOVT",
        "HOTEL",
        "HEALTH",
        "NONPROFIT",
        "PROF_SERVICES",
        "RETAIL",
        "TRAVEL",
        "RESTAURANT",
        "NOT_A_BIZ",
    }
)
TEXT_LIMITS = {"about": 139, "address": 256, "description": 512, "email": 128}
PROFILE_FIELDS = frozenset({*TEXT_LIMITS, "websites", "vertical", "profile_picture_handle"})
UPLOAD_TYPES = frozenset({"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"})
PHOTO_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PIN = re.compile(r"^[0-9]{6}$")


def _text_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{name} must be a string"
    if name == "about" and not value:
        return "about must not be empty"
    if len(value) > TEXT_LIMITS[name]:
        return f"{name} may have at most {TEXT_LIMITS[name]} characters"
    if name == "email" and value and not _EMAIL.match(value):
        return "email must be an email address"
    return None


def _websites_problem(value: Any) -> str | None:
    if not isinstance(value, list) or len(value) > 2:
        return "websites must be a list of at most 2 URLs"
    for site in value:
        if not isinstance(site, str) or len(site) > 256 or not site.startswith(("http://", "https://")):
            return "each website must be an http:// or https:// URL of at most 256 characters"
    return None


def profile_problem(body: dict[str, Any]) -> str | None:
    """Why a `POST /{pnid}/whatsapp_business_profile` body is refused, or None. The photo's
    handle is checked against the uploads by the caller."""
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    for name, value in body.items():
        problem: str | None = None
        if name in TEXT_LIMITS:
            problem = _text_problem(name, value)
        elif name == "websites":
            problem = _websites_problem(value)
        elif name == "vertical" and value not in VERTICALS:
            problem = f"vertical must be one of {', '.join(sorted(VERTICALS))}"
        elif name == "profile_picture_handle" and not isinstance(value, str):
            problem = "profile_picture_handle must be the handle of an upload"
        elif name not in PROFILE_FIELDS and name != "messaging_product":
            problem = f"unknown parameter {name}"
        if problem:
            return problem
    return None


def pin_problem(body: dict[str, Any]) -> str | None:
    """Why a two-step verification body (`POST /{pnid}` with `{"pin"}`) is refused, or None."""
    if set(body) != {"pin"}:
        return 'the body must be {"pin": "<6 digits>"}'
    if not isinstance(body["pin"], str) or not _PIN.match(body["pin"]):
        return "pin must be a string of 6 digits"
    return None


def upload_problem(file_length: str | None, file_type: str | None) -> str | None:
    """Why a Resumable Upload API session (`POST /app/uploads`) is refused, or None."""
    if file_length is None or not file_length.isdigit() or int(file_length) == 0:
        return "file_length must be the file's size in bytes"
    if file_type not in UPLOAD_TYPES:
        return f"file_type must be one of {', '.join(sorted(UPLOAD_TYPES))}"
    return None


def phone_number(pnid: str) -> dict[str, Any]:
    """`GET /{pnid}`: the fields the Cloud API answers by default, for a registered number."""
    return {
        "verified_name": f"wabiz sandbox {pnid}",
        "display_phone_number": f"+{pnid}",
        "quality_rating": "GREEN",
        "code_verification_status": "VERIFIED",
        "id": pnid,
    }


def _template(entry: TemplateEntry) -> dict[str, Any]:
    placeholders = " ".join(f"{{{{{n}}}}}" for n in range(1, entry.body_parameters + 1))
    return {
        "name": entry.name,
        "language": entry.language,
        "status": "APPROVED",
        "category": entry.category.upper(),
        "components": [{"type": "BODY", "text": f"{entry.name} {placeholders}".strip()}],
        "id": f"{entry.name}.{entry.language}",
    }


def message_templates(catalogue: Catalogue) -> dict[str, Any]:
    """`GET /{waba_id}/message_templates`: the whole catalogue as one page."""
    data = [_template(entry) for entry in catalogue.entries.values()]
    cursors = {"before": data[0]["id"], "after": data[-1]["id"]} if data else {}
    return {"data": data, "paging": {"cursors": cursors}}
