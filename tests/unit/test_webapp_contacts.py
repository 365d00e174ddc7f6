"""How contact results are put together (`POST /v1/contacts` itself: tests/db/test_webapp_contacts.py)."""

from __future__ import annotations

from wabiz.webapp.contacts.service import contact_results


def test_results_keep_the_input_order() -> None:
    known = {"16315551181": True, "16315550000": False}
    assert contact_results(
        ["+16315550000", "+16315551181", "+12125550100"], known, frozenset({"12125550100"})
    ) == [
        {"input": "+16315550000", "status": "invalid"},
        {"input": "+16315551181", "status": "valid", "wa_id": "16315551181"},
        {"input": "+12125550100", "status": "processing"},
    ]
