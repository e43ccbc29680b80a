"""The CSRF token every form carries: WTForms' `SessionCSRF`, keyed by the app's secret.

The token is an HMAC of a random value kept in the member's (signed, encrypted) session, with
an expiry; the core checks it on every POST before any page's handler runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from multidict import MultiDict, MultiDictProxy
from wtforms import Form
from wtforms.csrf.session import SessionCSRF

# How long a page's forms stay usable after it was shown.
CSRF_TIME_LIMIT = timedelta(hours=8)
CSRF_FIELD = "csrf_token"


class FormData(MultiDict[Any]):
    """aiohttp's posted fields, as WTForms reads them (`getlist`)."""

    def getlist(self, key: str) -> list[Any]:
        return self.getall(key, [])


def form_data(posted: MultiDictProxy[Any] | Mapping[str, Any]) -> FormData:
    return FormData(posted)


class CsrfForm(Form):
    """A form of no fields but the CSRF token; pages' own forms may subclass it."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = CSRF_FIELD
        csrf_time_limit = CSRF_TIME_LIMIT


def csrf_token(secret: bytes, session: Any) -> str:
    """A fresh token for `session` (stores the session's random value on first use)."""
    form = CsrfForm(meta={"csrf_secret": secret, "csrf_context": session})
    return str(getattr(form, CSRF_FIELD).current_token)


def csrf_valid(secret: bytes, session: Any, posted: FormData) -> bool:
    """The posted token was made for this session by this app, and has not expired."""
    if "csrf" not in session:
        return False  # no token was ever given to this session
    form = CsrfForm(formdata=posted, meta={"csrf_secret": secret, "csrf_context": session})
    return form.validate()
