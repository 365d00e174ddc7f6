"""One `WhatsAppClient` as the operator sees it during a pass: identity, typed spec, last status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wabiz_operator.spec import ClientSpec, parse_spec

GROUP, VERSION, KIND, PLURAL = "wabiz.io", "v1alpha1", "WhatsAppClient", "whatsappclients"
API_VERSION = f"{GROUP}/{VERSION}"

Obj = dict[str, Any]


@dataclass(frozen=True)
class Client:
    name: str
    namespace: str
    uid: str
    generation: int
    spec: ClientSpec
    status: Obj = field(default_factory=dict)

    @classmethod
    def from_body(cls, body: Obj) -> Client:
        meta = body["metadata"]
        return cls(
            name=str(meta["name"]),
            namespace=str(meta.get("namespace", "default")),
            uid=str(meta["uid"]),
            generation=int(meta.get("generation", 1)),
            spec=parse_spec(dict(body.get("spec") or {})),
            status=dict(body.get("status") or {}),
        )

    def child(self, component: str) -> str:
        """Deterministic child names, `<client>-<component>`, so every pass addresses the same objects."""
        return f"{self.name}-{component}"

    @property
    def reference(self) -> Obj:
        """The involvedObject of Events and the target of status patches."""
        return {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "name": self.name,
            "namespace": self.namespace,
            "uid": self.uid,
        }
