"""The operator's Kubernetes API client: plain dicts in and out, over lightkube.

lightkube does the connection work that must be right for an operator that runs for months:
in-cluster service-account tokens are re-read when the API server refuses them (bound tokens
expire), and kubeconfigs work with client certificates (paths or inline data), tokens, token
files and exec plugins. Every kind is used as a lightkube *generic* resource, so objects stay the
plain dicts the builders produce and the API server defaults and validates them, with no model
layer in between that could drop a field it does not know.

Server-side apply (one field manager, force) is create-or-update in one idempotent call: every
pass sends the full desired object and the API server works out the difference.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx2
from lightkube import ApiError, AsyncClient, KubeConfig
from lightkube.generic_resource import create_global_resource, create_namespaced_resource
from lightkube.types import CascadeType, PatchType

FIELD_MANAGER = "wabiz-operator"
Obj = dict[str, Any]

# kind → (plural, namespaced); every kind the operator reads or writes.
KINDS: dict[str, tuple[str, bool]] = {
    "Secret": ("secrets", True),
    "ConfigMap": ("configmaps", True),
    "Service": ("services", True),
    "Event": ("events", True),
    "Pod": ("pods", True),
    "PersistentVolumeClaim": ("persistentvolumeclaims", True),
    "Deployment": ("deployments", True),
    "StatefulSet": ("statefulsets", True),
    "Job": ("jobs", True),
    "PodDisruptionBudget": ("poddisruptionbudgets", True),
    "Ingress": ("ingresses", True),
    "NetworkPolicy": ("networkpolicies", True),
    "Lease": ("leases", True),
    "WhatsAppClient": ("whatsappclients", True),
    "Cluster": ("clusters", True),
    "ScheduledBackup": ("scheduledbackups", True),
    "ObjectStore": ("objectstores", True),
    "CustomResourceDefinition": ("customresourcedefinitions", False),
}


class KubeError(Exception):
    """An API call that failed: `status` is the HTTP status, 0 when the server was not reached."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"Kubernetes API answered {status} {reason}: {message}" if status else message)
        self.status, self.reason, self.message = status, reason, message


def decode_secret(secret: Obj | None) -> dict[str, str]:
    data = (secret or {}).get("data") or {}
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


@functools.cache  # lightkube registers each class once (it cannot look core kinds up again by itself)
def _resource(api_version: str, kind: str) -> Any:
    group, _, version = api_version.rpartition("/")
    try:
        plural, namespaced = KINDS[kind]
    except KeyError:
        raise ValueError(f"the operator does not manage {kind} objects") from None
    create = create_namespaced_resource if namespaced else create_global_resource
    return create(group, version, kind, plural)


def _error(exc: Exception) -> KubeError:
    if isinstance(exc, ApiError):
        status = exc.status
        return KubeError(int(status.code or 0), str(status.reason or ""), str(status.message or exc))
    return KubeError(0, "Unreachable", f"cannot reach the Kubernetes API: {exc}")


class Kube:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    @classmethod
    def from_environment(cls, config: KubeConfig | None = None) -> Kube:
        """In-cluster service account first, else `$KUBECONFIG` or `~/.kube/config`."""
        return cls(AsyncClient(config or KubeConfig.from_env(), timeout=httpx2.Timeout(30.0)))

    async def close(self) -> None:
        await self._client.close()

    async def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return await call()
        except (ApiError, httpx2.TransportError) as exc:
            raise _error(exc) from exc

    async def apply(self, obj: Obj) -> Obj:
        resource = _resource(obj["apiVersion"], obj["kind"])
        result = await self._call(
            lambda: self._client.apply(resource(obj), field_manager=FIELD_MANAGER, force=True)
        )
        return dict(result.to_dict())

    async def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj | None:
        resource = _resource(api_version, kind)
        try:
            result = await self._call(lambda: self._client.get(resource, name, namespace=namespace))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise
        return dict(result.to_dict())

    async def list(self, api_version: str, kind: str, namespace: str, labels: Mapping[str, str]) -> list[Obj]:
        resource = _resource(api_version, kind)

        async def collect() -> list[Obj]:
            return [
                dict(item.to_dict())
                async for item in self._client.list(resource, namespace=namespace, labels=dict(labels))
            ]

        result: list[Obj] = await self._call(collect)
        return result

    async def create(self, obj: Obj) -> Obj:
        resource = _resource(obj["apiVersion"], obj["kind"])
        result = await self._call(lambda: self._client.create(resource(obj)))
        return dict(result.to_dict())

    async def replace(self, obj: Obj) -> Obj:
        """An update that fails with 409 when `metadata.resourceVersion` is no longer current."""
        resource = _resource(obj["apiVersion"], obj["kind"])
        result = await self._call(lambda: self._client.replace(resource(obj)))
        return dict(result.to_dict())

    async def merge_patch(self, api_version: str, kind: str, namespace: str, name: str, patch: Obj) -> Obj:
        resource = _resource(api_version, kind)
        result = await self._call(
            lambda: self._client.patch(
                resource,
                name,
                patch,
                namespace=namespace,
                patch_type=PatchType.MERGE,
                field_manager=FIELD_MANAGER,
            )
        )
        return dict(result.to_dict())

    async def patch_status(self, api_version: str, kind: str, namespace: str, name: str, status: Obj) -> None:
        resource = _resource(api_version, kind)
        await self._call(
            lambda: self._client.patch(
                resource.Status,
                name,
                {"status": status},
                namespace=namespace,
                patch_type=PatchType.MERGE,
                field_manager=FIELD_MANAGER,
            )
        )

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        """Deletes with background propagation (a Job takes its pods along); gone already is fine."""
        resource = _resource(api_version, kind)
        try:
            await self._call(
                lambda: self._client.delete(
                    resource, name, namespace=namespace, cascade=CascadeType.BACKGROUND
                )
            )
        except KubeError as exc:
            if exc.status != 404:
                raise

    async def event(self, involved: Obj, reason: str, message: str, warning: bool = False) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        await self.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{involved['name']}.", "namespace": involved["namespace"]},
                "involvedObject": involved,
                "reason": reason,
                "message": message[:1000],
                "type": "Warning" if warning else "Normal",
                "source": {"component": FIELD_MANAGER},
                "reportingComponent": FIELD_MANAGER,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
            }
        )
