"""The simulated network behind the routes: registered businesses, sends, statuses, inbound messages.

A send is accepted at once (as the Cloud API does) and its fate is decided by the rules in
`rules.py`/`templates.py`; the outcome arrives later as status webhooks. The statuses of one message
are chained, each timer scheduling the next, so they arrive sent → delivered → read even when
tests set equal delays, and one message keeps only one timer pending (3,000 statuses a second at
1,000 sends a second would otherwise mean three times the timers).
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from typing import Any

from wabiz.kit.phone import normalize
from wabiz.kit.sandbox_protocol import VERIFICATION_CODE
from wabiz.sandbox import profiles, rules
from wabiz.sandbox.cloud_errors import CloudError, invalid, status_errors
from wabiz.sandbox.config import SandboxConfig
from wabiz.sandbox.control import Behaviour, ControlError, inbound_message
from wabiz.sandbox.events import EventPoster
from wabiz.sandbox.state import SandboxState, StoredMedia, UploadSession
from wabiz.sandbox.templates import load_catalogue

log = logging.getLogger(__name__)

# (seconds after the send, status object) still to emit for one message.
Steps = list[tuple[float, dict[str, Any]]]


class Sandbox:
    """State, behaviour and the event poster of one running sandbox."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState()
        self.catalogue = load_catalogue(config.templates_file)
        self.behaviour = Behaviour(
            webhook_url=config.webhook_url,
            sent_delay=config.sent_delay,
            delivered_delay=config.delivered_delay,
            read_delay=config.read_delay,
            failure_rate=config.failure_rate,
            enforce_window=config.enforce_window,
            seed=config.seed,
        )
        self.random = random.Random(config.seed)  # noqa: S311 (simulation, not security)
        self.events = EventPoster(lambda: self.behaviour.webhook_url, config.app_secret.get_secret_value())
        self.scheduled = 0  # statuses waiting for their time (`_chain`)
        # Names this run in `GET /healthz`: clients register again when it changes (memory only).
        self.instance = secrets.token_hex(8)
        self.started = time.monotonic()

    def idle(self) -> bool:
        return self.scheduled == 0 and self.events.idle()

    async def stop(self, drain_s: float) -> None:
        """Emit and post what is still due before stopping, for at most `drain_s`: the network does
        not lose a message's statuses because one of its servers is replaced (a rolling upgrade)."""
        deadline = time.monotonic() + drain_s
        # A poll: idleness spans the timers and the poster, and this runs once, at shutdown.
        while not self.idle() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if not self.idle():
            log.warning(
                "stopping with %d statuses not yet due and %d events not posted",
                self.scheduled,
                self.events.pending(),
            )
        await self.events.stop()

    def reconfigure(self, behaviour: Behaviour) -> None:
        """Apply `PATCH /control/config`; the seed restarts the failure draws."""
        self.behaviour = behaviour
        self.random.seed(behaviour.seed)

    def business(self, pnid: str) -> str:
        """The registered business `pnid`; an unknown one is refused: for good (100), but while the
        sandbox has just started (`registration_grace`) as "retry later" (131016), since it may be a
        number registered with the instance this one replaced, whose client registers it again at
        its next heartbeat; its sends must not fail meanwhile."""
        if pnid in self.state.verified:
            return pnid
        if time.monotonic() - self.started < self.config.registration_grace:
            raise CloudError(
                503,
                131016,
                "Service unavailable",
                f"the sandbox restarted and '{pnid}' is not registered again yet; retry later",
            )
        raise CloudError(400, 100, f"Unsupported post request. Object with ID '{pnid}' does not exist")

    def request_code(self, body: dict[str, Any]) -> dict[str, Any]:
        pnid = _business_number(body)
        if body.get("method") not in ("sms", "voice"):
            raise invalid("method must be 'sms' or 'voice'")
        if pnid in self.state.verified:
            return {"status": "registered", "phone_number_id": pnid}
        self.state.pending.add(pnid)
        return {"status": "code_sent", "vname": f"wabiz sandbox {pnid}"}

    def verify(self, body: dict[str, Any]) -> dict[str, Any]:
        pnid = _business_number(body)
        if pnid not in self.state.pending | self.state.verified:
            raise invalid("request a code first (POST /{version}/account)")
        if str(body.get("code")) != VERIFICATION_CODE:
            raise CloudError(400, 136025, "Verification code is incorrect")
        self.state.pending.discard(pnid)
        self.state.verified.add(pnid)
        return {"status": "registered", "phone_number_id": pnid}

    def send(self, pnid: str, body: dict[str, Any]) -> tuple[str, str]:
        """Accept a send: (recipient wa_id, wamid); its statuses follow as webhooks."""
        problem = rules.send_problem(body)
        if problem:
            raise invalid(problem)
        to = normalize(str(body.get("to", "")))
        if not to:
            raise invalid("to must be a phone number")
        entry = self.state.record_send(to, body)
        self._chain(pnid, self._outcome(pnid, entry.id, to, body), elapsed=0.0)
        return to, entry.id

    def mark_read(self, body: dict[str, Any]) -> None:
        if not isinstance(body.get("message_id"), str):
            raise invalid("message_id must be the wamid of an inbound message")
        self.state.read_marks.append(body["message_id"])

    def upload(self, fields: dict[str, tuple[bytes, str]]) -> str:
        """Store a multipart upload (`file`, `type`, `messaging_product`); the media id."""
        if fields.get("messaging_product", (b"", ""))[0] != b"whatsapp":
            raise invalid("multipart field messaging_product must be 'whatsapp'")
        if "file" not in fields:
            raise invalid("multipart field 'file' is required")
        data, part_type = fields["file"]
        declared = fields.get("type", (b"", ""))[0].decode(errors="replace")
        return self.state.store_media(data, declared or part_type)

    def media(self, media_id: str) -> StoredMedia:
        media = self.state.media.get(media_id)
        if media is None:
            raise CloudError(404, 100, f"Unsupported get request. Media '{media_id}' does not exist")
        return media

    def media_info(self, media_id: str) -> dict[str, Any]:
        media = self.media(media_id)
        return {
            "messaging_product": "whatsapp",
            "url": f"{self.config.base_url}/media-download/{media_id}",
            "mime_type": media.mime_type,
            "sha256": media.sha256,
            "file_size": len(media.data),
            "id": media_id,
        }

    def profile(self, pnid: str) -> dict[str, Any]:
        """`GET /{pnid}/whatsapp_business_profile`: the fields set so far, with the photo's public URL."""
        fields = dict(self.state.profiles.get(pnid, {}))
        photo_id = self.state.photo_ids.get(pnid)
        if photo_id is not None:
            fields["profile_picture_url"] = f"{self.config.base_url}/profile-photo/{photo_id}"
        return {"data": [{"messaging_product": "whatsapp"} | fields]}

    def update_profile(self, pnid: str, body: dict[str, Any]) -> None:
        """Change the fields given (the others stay); a `profile_picture_handle` sets the photo."""
        problem = profiles.profile_problem(body)
        if problem:
            raise invalid(problem)
        handle = body.get("profile_picture_handle")
        photo = self.state.uploaded.get(str(handle)) if handle is not None else None
        if handle is not None and (photo is None or photo.mime_type not in profiles.PHOTO_TYPES):
            raise invalid("profile_picture_handle must be the handle of an uploaded JPEG or PNG image")
        fields = {k: v for k, v in body.items() if k not in ("messaging_product", "profile_picture_handle")}
        self.state.profiles.setdefault(pnid, {}).update(fields)
        if photo is not None:
            self.state.set_photo(pnid, photo)

    def profile_photo(self, photo_id: str) -> StoredMedia:
        photo = self.state.photos.get(photo_id)
        if photo is None:
            raise CloudError(404, 100, f"Profile photo '{photo_id}' does not exist")
        return photo

    def start_upload(self, file_length: str | None, file_type: str | None) -> str:
        """`POST /app/uploads`: a session for one file, its id `upload:…`."""
        problem = profiles.upload_problem(file_length, file_type)
        if problem:
            raise invalid(problem)
        return self.state.start_upload(UploadSession(int(str(file_length)), str(file_type)))

    def finish_upload(self, upload_id: str, file_offset: str | None, data: bytes) -> str:
        """`POST /{upload_id}`: the file's bytes, in one request (the sandbox does not resume): its handle."""
        session = self.state.upload_sessions.get(upload_id)
        if session is None:
            raise invalid(f"upload session '{upload_id}' does not exist or is complete")
        if file_offset != "0":
            raise invalid("the file_offset header must be 0: the sandbox takes a file in one request")
        if len(data) != session.file_length:
            raise invalid(f"expected {session.file_length} bytes (file_length), got {len(data)}")
        return self.state.finish_upload(upload_id, data)

    def set_pin(self, pnid: str, body: dict[str, Any]) -> None:
        problem = profiles.pin_problem(body)
        if problem:
            raise invalid(problem)
        self.state.pins[pnid] = body["pin"]

    def waba(self, waba_id: str) -> str:
        """The business whose account `waba_id` is (`waba-<pnid>`, as in the webhooks' `entry.id`)."""
        pnid = waba_id.removeprefix("waba-")
        if waba_id == pnid or pnid not in self.state.verified:
            raise CloudError(400, 100, f"Unsupported get request. Object with ID '{waba_id}' does not exist")
        return pnid

    def inbound(self, request: Any) -> str:
        """Deliver a simulated user's message to the business; it opens the user's 24 h window."""
        user, message = inbound_message(request, self.state)
        pnid = self._inbound_business(request.get("to"))
        self.state.last_inbound[(pnid, user)] = time.time()
        profile = {"profile": {"name": str(request.get("profile_name") or "Sandbox User")}, "wa_id": user}
        self.events.message(pnid, {"contacts": [profile], "messages": [message]})
        return str(message["id"])

    def _inbound_business(self, given: Any) -> str:
        if given is None:
            registered = sorted(self.state.verified)
            if not registered:
                raise ControlError("no business number is registered yet (POST /{version}/account)", 409)
            return registered[0]
        pnid = normalize(str(given))
        if pnid is None or pnid not in self.state.verified:
            raise ControlError(f"to {given!r} is not a registered business number", 409)
        return pnid

    def _outcome(self, pnid: str, wamid: str, to: str, body: dict[str, Any]) -> Steps:
        base: dict[str, Any] = {"id": wamid, "recipient_id": to}
        if body.get("biz_opaque_callback_data"):
            base["biz_opaque_callback_data"] = body["biz_opaque_callback_data"]
        b = self.behaviour
        error = self._delivery_error(pnid, to, body)
        if error is not None:
            errors = status_errors(error, rules.ERROR_TITLES[error])
            return [(b.sent_delay, base | {"status": "failed", "errors": errors})]
        billing = rules.billing(pnid, to, self._category(body))
        return [
            (b.sent_delay, base | {"status": "sent"} | billing),
            (b.delivered_delay, base | {"status": "delivered"} | billing),
            (b.read_delay, base | {"status": "read"}),
        ]

    def _delivery_error(self, pnid: str, to: str, body: dict[str, Any]) -> int | None:
        kind = str(body.get("type", "text"))
        window = rules.window_open(self.state.last_inbound.get((pnid, to)), time.time())
        error = rules.delivery_error(kind, to, window, self.behaviour.enforce_window)
        if error is None and kind == "template":
            error = self.catalogue.error(body.get("template"))
        if error is None and self.random.random() < self.behaviour.failure_rate:
            error = rules.GENERIC
        return error

    def _category(self, body: dict[str, Any]) -> str:
        entry = self.catalogue.find(body.get("template")) if body.get("type") == "template" else None
        return entry.category if entry else "service"

    def _chain(self, pnid: str, steps: Steps, elapsed: float) -> None:
        due = steps[0][0]
        loop = asyncio.get_running_loop()
        self.scheduled += 1
        loop.call_later(max(0.0, due - elapsed), self._emit, pnid, steps, max(due, elapsed))

    def _emit(self, pnid: str, steps: Steps, elapsed: float) -> None:
        self.scheduled -= 1
        self.events.status(pnid, steps[0][1] | {"timestamp": str(int(time.time()))})
        if len(steps) > 1:
            self._chain(pnid, steps[1:], elapsed)


def _business_number(body: dict[str, Any]) -> str:
    """phone_number_id of a registration request: the digits of cc + phone_number."""
    pnid = normalize(f"{body.get('cc', '')}{body.get('phone_number', '')}")
    if pnid is None or not rules.is_whatsapp_user(pnid):
        raise invalid("cc + phone_number must form a valid phone number (8-15 digits)")
    return pnid
