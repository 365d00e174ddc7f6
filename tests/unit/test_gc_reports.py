"""What the garbage collectors answer and post (`webapp/gc/reports.py`): the On-Premises shapes."""

from __future__ import annotations

from wabiz.webapp.gc.reports import completed, failed, processing


def test_the_put_answers_processing() -> None:
    assert processing("media") == {"media": {"gc": {"status": "processing"}}}
    assert processing("message") == {"message": {"gc": {"status": "processing"}}}


def test_completion_counts_under_the_original_names() -> None:
    assert completed("media", 5) == {
        "services": [{"media": {"gc": {"items_deleted": 5, "status": "complete"}}}]
    }
    assert completed("message", 7) == {
        "services": [{"message": {"gc": {"messages_deleted": 7, "status": "complete"}}}]
    }


def test_failure_carries_an_internal_error_and_what_was_deleted() -> None:
    report = failed("media", 3, "media garbage collection stopped: OSError")
    assert report == {
        "services": [
            {
                "media": {
                    "gc": {
                        "items_deleted": 3,
                        "errors": [
                            {
                                "code": 1014,
                                "title": "Internal error",
                                "details": "media garbage collection stopped: OSError",
                            }
                        ],
                        "status": "failed",
                    }
                }
            }
        ]
    }
