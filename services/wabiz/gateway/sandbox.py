"""The sandbox gateway: the Cloud API client plus the sandbox's documented extensions.

Extensions (docs/sandbox.md): a contact check (`POST /{ver}/{pnid}/contacts`), registration
(`POST /{ver}/account`, `/{ver}/account/verify`, a fixed code) and the running instance in
`GET /healthz`. The sandbox names a business by the digits of cc + phone_number, so once registered
the node's phone number id is exactly that. It keeps the network in memory: a restarted sandbox
has forgotten the number, so the health check, run every heartbeat, registers it again whenever
the instance changed (one call when the sandbox still knows it).
"""

from __future__ import annotations

import logging

from wabiz.gateway.base import RegistrationResult, UpstreamError
from wabiz.gateway.cloud import CloudApiGateway, required_field
from wabiz.kit.sandbox_protocol import INSTANCE_FIELD, VERIFICATION_CODE

log = logging.getLogger(__name__)


class SandboxGateway(CloudApiGateway):
    _account: tuple[str, str] | None = None  # (cc, phone_number) once registered
    _instance: object = None  # the sandbox run the account is known to be registered with

    def use_account(self, cc: str, phone_number: str) -> None:
        super().use_account(cc, phone_number)
        self._account = (cc, phone_number)

    async def check_contacts(self, wa_ids: list[str]) -> dict[str, bool]:
        payload = await self._request(
            "POST", self._url(self._pnid, "contacts"), json={"contacts": [f"+{w}" for w in wa_ids]}
        )
        return {
            str(entry.get("input", "")).lstrip("+"): entry.get("status") == "valid"
            for entry in required_field(payload, "contacts")
        }

    async def request_code(
        self, cc: str, phone_number: str, method: str, cert: str, pin: str | None
    ) -> RegistrationResult:
        body = {"cc": cc, "phone_number": phone_number, "method": method, "cert": cert, "pin": pin}
        payload = await self._request("POST", self._url("account"), json=body)
        if payload.get("status") == "registered":
            return RegistrationResult("registered")
        return RegistrationResult("pending", payload.get("vname"))

    async def verify_code(self, cc: str, phone_number: str, code: str) -> RegistrationResult:
        body = {"cc": cc, "phone_number": phone_number, "code": code}
        await self._request("POST", self._url("account", "verify"), json=body)
        return RegistrationResult("registered")

    async def status(self) -> str:
        try:
            health = await self._request("GET", f"{self._base}/healthz")
            instance = health.get(INSTANCE_FIELD)
            if self._account is not None and instance != self._instance:
                await self._register_again(*self._account)
                self._instance = instance
        except UpstreamError as exc:
            if exc.code != 0:
                log.warning("registering the number again with the sandbox failed: %s", exc)
            return "disconnected"
        return "connected"

    async def _register_again(self, cc: str, phone_number: str) -> None:
        if (await self.request_code(cc, phone_number, "sms", "", None)).state == "registered":
            return
        log.info("the sandbox restarted and forgot +%s%s; registering it again", cc, phone_number)
        await self.verify_code(cc, phone_number, VERIFICATION_CODE)
