"""Errors: Discord-shaped API errors for the REST side, and driver errors for test code."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response in Discord's JSON shape: {"message", "code", ["errors"]}."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class OAuth2Error(ApiError):
    """An error of an OAuth2 endpoint (token, revocation), in RFC 6749's shape rather than
    the API's: {"error": "invalid_grant", ["error_description": ...]}."""

    def __init__(self, status: int, error: str, description: str | None = None) -> None:
        super().__init__(status, 0, description or error)
        self.error = error
        self.description = description

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        return body


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def not_found_route() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_APPLICATION_COMMAND = 10063
UNKNOWN_INTERACTION = 10062
MISSING_ACCESS = 50001
CANNOT_EDIT_OTHERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
MISSING_PERMISSIONS = 50013
INVALID_WEBHOOK_TOKEN = 50027
INVALID_FORM_BODY = 50035
ALREADY_ACKNOWLEDGED = 40060


class DriverError(Exception):
    """A test asked for something a Discord user could not do (unknown command, bad option...)."""


class InteractionTimeout(TimeoutError):
    """The bot did not answer an interaction in time (Discord: "This interaction failed")."""
