"""The legacy `hsm` message of On-Premises clients, translated into the `template` it became.

Before templates had components, On-Premises sent "highly structured messages":

    {"type": "hsm", "hsm": {"namespace", "element_name", "language": {"policy", "code"},
                            "localizable_params": [{"default": "…"}, …]}}

The template keeps the namespace, takes `element_name` as its name and the language code (the
retired `fallback` policy becomes `deterministic`, the only one left). Each localizable parameter
becomes one parameter of the template's body, in order:

- `{"default": "Ana"}` → `{"type": "text", "text": "Ana"}`;
- with `currency` (`currency_code`, `amount_1000`) → a `currency` parameter, `fallback_value`
  being the default text;
- with `date_time` → a `date_time` parameter with only `fallback_value` (the default text): the
  Cloud API always shows the fallback value, so the old `component` / `unix_epoch` parts would
  change nothing.
"""

from __future__ import annotations

from typing import Any

from wabiz.webapp.bodies import to_model
from wabiz.webapp.messages.schemas import HsmMessage, LocalizableParam, TemplateMessage


def hsm_to_template(message: HsmMessage) -> TemplateMessage:
    """The `template` message meaning the same as this `hsm` message (common fields kept)."""
    hsm = message.hsm
    template: dict[str, Any] = {
        "namespace": hsm.namespace,
        "name": hsm.element_name,
        "language": {"policy": "deterministic", "code": hsm.language.code},
    }
    if hsm.localizable_params:
        parameters = [_parameter(param) for param in hsm.localizable_params]
        template["components"] = [{"type": "body", "parameters": parameters}]
    common = message.model_dump(exclude={"type", "hsm"}, exclude_none=True)
    return to_model(TemplateMessage, common | {"type": "template", "template": template})


def _parameter(param: LocalizableParam) -> dict[str, Any]:
    if param.currency is not None:
        currency = {
            "fallback_value": param.default,
            "code": param.currency.currency_code,
            "amount_1000": param.currency.amount_1000,
        }
        return {"type": "currency", "currency": currency}
    if param.date_time is not None:
        return {"type": "date_time", "date_time": {"fallback_value": param.default}}
    return {"type": "text", "text": param.default}
