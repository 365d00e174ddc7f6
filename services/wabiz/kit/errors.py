"""The API error hierarchy: each error carries its On-Premises code, title and HTTP status.

One handler in each HTTP app renders them into the `errors` envelope, so endpoint code raises and
never formats. The numbers are the original client's, so integrations' error handling keeps working.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    code: ClassVar[int] = 1000
    title: ClassVar[str] = "Generic error"
    status: ClassVar[int] = 500

    def __init__(self, details: str = "") -> None:
        super().__init__(details or self.title)
        self.details = details or self.title

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "details": self.details}

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the envelope."""
        return {}


class MessageTooLong(ApiError):
    code, title, status = 1001, "Message too long", 400


class InvalidRecipientType(ApiError):
    code, title, status = 1002, "Invalid recipient type", 400


class AlreadyExists(ApiError):
    code, title, status = 1004, "Resource already exists", 409


class AccessDenied(ApiError):
    code, title, status = 1005, "Access denied", 403


class Unauthorized(AccessDenied):
    """Missing, wrong or expired credentials: same code as the original, HTTP 401."""

    status = 401

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="wabiz"'}


class NotFound(ApiError):
    code, title, status = 1006, "Resource not found", 404


class MissingParameter(ApiError):
    code, title, status = 1008, "Required parameter is missing", 400


class InvalidParameter(ApiError):
    code, title, status = 1009, "Parameter value is not valid", 400


class UnexpectedParameter(ApiError):
    code, title, status = 1010, "Parameter is not required", 400


class NotReady(ApiError):
    code, title, status = 1011, "Service not ready", 503


class InvalidUser(ApiError):
    code, title, status = 1013, "User is not valid", 400


class InternalError(ApiError):
    code, title, status = 1014, "Internal error", 500


class TooManyRequests(ApiError):
    code, title, status = 1015, "Too many requests", 429

    def __init__(self, details: str = "", retry_after: int = 1) -> None:
        super().__init__(details)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Overloaded(ApiError):
    code, title, status = 1016, "System overloaded", 503


class NotPrimaryMaster(ApiError):
    code, title, status = 1017, "Not Primary Master", 503


class NotPrimaryCoreapp(ApiError):
    code, title, status = 1018, "Not Primary Coreapp", 503


class BadUser(ApiError):
    code, title, status = 1021, "Bad user", 400


class WebhooksNotConfigured(ApiError):
    code, title, status = 1022, "Webhooks URL is not configured", 400


class DatabaseError(ApiError):
    code, title, status = 1023, "Database error occurred", 503


class PasswordChangeRequired(ApiError):
    code, title, status = 1024, "Password change required", 400


class FeatureRemoved(ApiError):
    """An On-Premises endpoint whose feature Meta withdrew: answered, explained, never a bare 404.
    Not a code of the original client (it had none for this); 410 says "gone for good"."""

    code, title, status = 1410, "Feature removed", 410


class InvalidRequest(ApiError):
    code, title, status = 1025, "Invalid request", 400


class PayloadTooLarge(InvalidRequest):
    """A body over its limit: the contract's 1025, with the HTTP status that says what to fix."""

    status = 413


class NotOffered(ApiError):
    """An On-Premises function that wabiz leaves to the platform it runs on; the details say what
    to use instead. HTTP 400, so a client sees at once that retrying will not help (a 5xx would
    say the server failed, and clients retry those)."""

    title, status = "Not offered by wabiz", 400


# 1000 is the fallback: a generic error from another component is rebuilt as ApiError (500).
ERRORS_BY_CODE: dict[int, type[ApiError]] = {
    cls.code: cls for cls in ApiError.__subclasses__() if cls.code != ApiError.code
}


def error_from_dict(data: dict[str, Any]) -> ApiError:
    """Rebuild an error answered by another wabiz component (CoreApp → WebApp)."""
    cls = ERRORS_BY_CODE.get(int(data.get("code", 1000)), ApiError)
    return cls(str(data.get("details", "")))
