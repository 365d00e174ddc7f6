"""When a workload's pods may be replaced, and with what: pure functions, no I/O.

Two promises meet here:

- A change of anything a pod reads rolls the pods: each pod template carries a checksum over the
  ConfigMap data and the Secret values its container reads (`config_checksum`).
- Upgrading the operator restarts nothing: a new operator renders templates differently (a new
  annotation, an extra env entry), and applying that to every client at once would restart the
  fleet. So a workload last rendered by another operator version is left as it is (`Plan.DEFER`)
  until something the user controls changes — its part of the spec, the image, or the content of a
  Secret it references (`inputs_fingerprint`). Then it is re-rendered by this
  operator and rolls once, which that change needed anyway.

Fields Kubernetes never lets change (a StatefulSet's claim templates, selectors) are copied from
the live object, so an operator that renders them differently can still update everything else.
"""

from __future__ import annotations

import copy
import hashlib
from enum import Enum
from typing import Any

import orjson

RENDERED_BY = "wabiz.io/operator-version"
INPUTS = "wabiz.io/inputs"
Obj = dict[str, Any]


class Plan(Enum):
    APPLY = "apply"
    DEFER = "defer"


def _digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def config_checksum(config: dict[str, str], secret_values: dict[str, str]) -> str:
    """Over what one container reads: the ConfigMap's data and its secret env values by name."""
    return _digest({"config": config, "secrets": secret_values})


def inputs_fingerprint(spec: object, image: str, secrets: dict[str, dict[str, str]]) -> str:
    """What the user controls of a workload: its part of the spec (the app workloads take the
    client's spec less the version request, the managed database only `spec.database.managed`),
    the image it runs, and the data of every Secret it references."""
    return _digest({"spec": spec, "image": image, "secrets": secrets})


def annotate(desired: Obj, operator_version: str, inputs: str) -> Obj:
    """The desired workload, stamped with who rendered it and from which inputs."""
    stamped = copy.deepcopy(desired)
    annotations = stamped["metadata"].setdefault("annotations", {})
    annotations[RENDERED_BY] = operator_version
    annotations[INPUTS] = inputs
    return stamped


def _images(workload: Obj) -> list[str]:
    containers = workload["spec"]["template"]["spec"].get("containers", [])
    return [str(c.get("image")) for c in containers]


def plan(desired: Obj, live: Obj | None, operator_version: str, inputs: str) -> Plan:
    if live is None:
        return Plan.APPLY
    annotations = live["metadata"].get("annotations") or {}
    if annotations.get(RENDERED_BY) == operator_version:
        return Plan.APPLY  # this operator's own rendering: applying is a no-op unless inputs changed
    if _images(live) != _images(desired):
        return Plan.APPLY
    recorded = annotations.get(INPUTS)
    if recorded is not None and recorded != inputs:
        return Plan.APPLY
    # Rendered by another operator version from the same inputs (or by one that recorded none,
    # which ran this same image): keep it until the user changes something.
    return Plan.DEFER


def adoption_stamp(live: Obj, inputs: str) -> Obj | None:
    """A deferred workload that recorded no inputs gets them now (a metadata-only merge patch), so a
    later change of the user's inputs is noticed; None when nothing is to be written."""
    annotations = live["metadata"].get("annotations") or {}
    if annotations.get(INPUTS) is not None:
        return None
    return {"metadata": {"annotations": {INPUTS: inputs}}}


IMMUTABLE_SPEC_FIELDS = {
    "StatefulSet": ("selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy"),
    "Deployment": ("selector",),
}


def keep_immutable(desired: Obj, live: Obj | None) -> Obj:
    """The desired object with the fields Kubernetes refuses to change taken from the live one."""
    fields = IMMUTABLE_SPEC_FIELDS.get(desired["kind"], ())
    if live is None or not fields:
        return desired
    merged = copy.deepcopy(desired)
    for field in fields:
        if field in live["spec"]:
            merged["spec"][field] = _without_status(live["spec"][field])
    return merged


def _without_status(value: Any) -> Any:
    """Claim templates come back with a `status` the API server fills; it is not ours to apply."""
    if isinstance(value, list):
        return [_without_status(item) for item in value]
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key != "status"}
    return value
