"""A small async Kubernetes API client: server-side apply, get, status patch, events.

Server-side apply (`PATCH … application/apply-patch+yaml`, one field manager, force) is
create-or-update in one idempotent call, so every reconcile sends the full desired object and
the API server works out the difference.
"""

from __future__ import annotations

import base64
import ssl
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

FIELD_MANAGER = "wabiz-operator"
PLURALS = {
    "Secret": "secrets",
    "ConfigMap": "configmaps",
    "Service": "services",
    "Event": "events",
    "Pod": "pods",
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "Job": "jobs",
    "PodDisruptionBudget": "poddisruptionbudgets",
    "Ingress": "ingresses",
    "WhatsAppClient": "whatsappclients",
}


def resource_path(api_version: str, kind: str, namespace: str, name: str | None = None) -> str:
    """`/api/v1/namespaces/ns/secrets/x` or `/apis/apps/v1/namespaces/ns/deployments/x`."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    path = f"{base}/namespaces/{namespace}/{PLURALS[kind]}"
    return f"{path}/{name}" if name else path


def decode_secret(secret: dict[str, Any] | None) -> dict[str, str]:
    data = (secret or {}).get("data") or {}
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


class KubeError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Kubernetes API answered {status}: {message}")
        self.status = status


class Kube:
    def __init__(self, server: str, session: aiohttp.ClientSession) -> None:
        self._server, self._http = server.rstrip("/"), session

    @classmethod
    def from_connection(cls, info: Any) -> Kube:
        """Build from kopf's `ConnectionInfo` (service account in-cluster, kubeconfig outside)."""
        context = (
            ssl.create_default_context(cafile=info.ca_path) if info.ca_path else ssl.create_default_context()
        )
        if info.ca_data:
            context.load_verify_locations(cadata=info.ca_data.decode())
        if info.certificate_path and info.private_key_path:
            context.load_cert_chain(info.certificate_path, info.private_key_path)
        if info.insecure:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        headers = {"Authorization": f"Bearer {info.token}"} if info.token else {}
        session = aiohttp.ClientSession(
            headers=headers,
            connector=aiohttp.TCPConnector(ssl=context),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return cls(info.server, session)

    async def close(self) -> None:
        await self._http.close()

    async def _call(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json", **params: str
    ) -> Any:
        data = orjson.dumps(body) if body is not None else None
        async with self._http.request(
            method,
            self._server + path,
            data=data,
            params=params or None,
            headers={"Content-Type": content_type},
        ) as answer:
            payload = await answer.json(content_type=None)
            if answer.status == 404 and method == "GET":
                return None
            if answer.status >= 400:
                raise KubeError(
                    answer.status, str(payload.get("message") if isinstance(payload, dict) else payload)
                )
            return payload

    async def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        path = resource_path(obj["apiVersion"], obj["kind"], meta["namespace"], meta["name"])
        result: dict[str, Any] = await self._call(
            "PATCH", path, obj, "application/apply-patch+yaml", fieldManager=FIELD_MANAGER, force="true"
        )
        return result

    async def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self._call(
            "GET", resource_path(api_version, kind, namespace, name)
        )
        return result

    async def patch_status(
        self, api_version: str, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> None:
        path = resource_path(api_version, kind, namespace, name) + "/status"
        await self._call("PATCH", path, {"status": status}, "application/merge-patch+json")

    async def event(self, owner: dict[str, Any], reason: str, message: str, warning: bool = False) -> None:
        meta = owner["metadata"]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        await self._call(
            "POST",
            resource_path("v1", "Event", meta["namespace"]),
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{meta['name']}.", "namespace": meta["namespace"]},
                "involvedObject": {
                    "apiVersion": owner["apiVersion"],
                    "kind": owner["kind"],
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta["uid"],
                },
                "reason": reason,
                "message": message[:1000],
                "type": "Warning" if warning else "Normal",
                "source": {"component": FIELD_MANAGER},
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
            },
        )
