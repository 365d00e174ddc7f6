"""The sandbox gateway: the Cloud API client plus the sandbox's registration and contacts extensions."""

from __future__ import annotations

from wabiz.gateway.base import Registration
from wabiz.gateway.cloud import CloudApiGateway


class SandboxGateway(CloudApiGateway):
    async def check_contacts(self, wa_ids: list[str]) -> dict[str, bool]:
        payload = await self._request(
            "POST", self._url(self._pnid, "contacts"), json={"contacts": [f"+{w}" for w in wa_ids]}
        )
        return {entry["input"].lstrip("+"): entry["status"] == "valid" for entry in payload["contacts"]}

    async def request_code(
        self, cc: str, phone_number: str, method: str, cert: str, pin: str | None
    ) -> Registration:
        body = {"cc": cc, "phone_number": phone_number, "method": method, "cert": cert, "pin": pin}
        payload = await self._request("POST", self._url("account"), json=body)
        if payload.get("status") == "registered":
            return Registration("registered")
        return Registration("pending", payload.get("vname"))

    async def verify_code(self, cc: str, phone_number: str, code: str) -> Registration:
        body = {"cc": cc, "phone_number": phone_number, "code": code}
        await self._request("POST", self._url("account", "verify"), json=body)
        return Registration("registered")

    async def status(self) -> str:
        try:
            await self._request("GET", f"{self._base}/healthz")
        except Exception:  # any failure means we cannot reach the network right now
            return "disconnected"
        return "connected"
