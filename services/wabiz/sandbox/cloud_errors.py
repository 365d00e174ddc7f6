"""Errors in the Cloud API's shape: `{"error": {"message", "type", "code", "error_data", "fbtrace_id"}}`."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.responses import JSONResponse


class CloudError(Exception):
    def __init__(self, status: int, code: int, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or message

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": "OAuthException",
                "code": self.code,
                "error_data": {"messaging_product": "whatsapp", "details": self.details},
                "fbtrace_id": secrets.token_hex(8),
            }
        }

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


def invalid(details: str) -> CloudError:
    return CloudError(400, 100, "(#100) Invalid parameter", details)


def status_errors(code: int, title: str) -> list[dict[str, Any]]:
    return [{"code": code, "title": title, "message": title, "error_data": {"details": title}}]
