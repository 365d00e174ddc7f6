"""The sandbox gateway: the Cloud API client plus the sandbox's documented extensions.

Extensions (docs/design.md): a contact check (`POST /{ver}/{pnid}/contacts`) and registration
(`POST /{ver}/account`, `/{ver}/account/verify`, code 123456). The sandbox names a business by the
digits of cc + phone_number, so once registered the node's phone number id is exactly that.
"""

from __future__ import annotations

from wabiz.gateway.base import RegistrationResult, UpstreamError
from wabiz.gateway.cloud import CloudApiGateway, required_field


class SandboxGateway(CloudApiGateway):
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
            await self._request("GET", f"{self._base}/healthz")
        except UpstreamError:
            return "disconnected"
        return "connected"
