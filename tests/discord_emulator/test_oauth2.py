"""Discord's OAuth2 authorization-code grant in the emulator, spoken over real HTTP: the
authorize page, the token and revocation endpoints, and Bearer tokens on the user routes."""

from __future__ import annotations

import base64
import html
import logging
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote_plus

import aiohttp
import pytest
import yarl

from discord_emulator import DemoWorld, Emulator, demo_world, permissions

CALLBACK = "http://127.0.0.1:8080/auth/callback"
STATE = "st<a>te&1"
REVOKE = "/api/v10/oauth2/token/revoke"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    async with Emulator(clock=clock) as emulator:
        emulator.oauth2_redirect_uris.add(CALLBACK)
        yield emulator
    assert emulator.internal_errors == []


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    """HTTP Basic as RFC 6749 2.3.1 has it: both parts form-encoded, then base64."""
    joined = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return {"Authorization": "Basic " + base64.b64encode(joined.encode()).decode()}


def authorize_query(emu: Emulator, **changes: str | None) -> dict[str, str]:
    query: dict[str, str | None] = {
        "response_type": "code",
        "client_id": emu.client_id,
        "scope": "identify guilds",
        "state": STATE,
        "redirect_uri": CALLBACK,
        "prompt": "consent",
    }
    query.update(changes)
    return {key: value for key, value in query.items() if value is not None}


async def authorize(
    session: aiohttp.ClientSession, emu: Emulator, **changes: str | None
) -> aiohttp.ClientResponse:
    """The browser opening the authorize URL, redirects not followed."""
    async with session.get(
        emu.oauth2_authorize_url, params=authorize_query(emu, **changes), allow_redirects=False
    ) as response:
        await response.read()
        return response


def redirected_to(response: aiohttp.ClientResponse) -> tuple[str, dict[str, str]]:
    assert response.status == 302, response.status
    location = yarl.URL(response.headers["Location"])
    return str(location.with_query(None)), dict(location.query)


async def code_for(session: aiohttp.ClientSession, emu: Emulator, **changes: str | None) -> str:
    target, query = redirected_to(await authorize(session, emu, **changes))
    assert target == (changes.get("redirect_uri") or CALLBACK)
    assert query["state"] == STATE
    return query["code"]


async def post_token(
    session: aiohttp.ClientSession,
    emu: Emulator,
    form: dict[str, str],
    *,
    secret: str | None = None,
    basic: bool = False,
    path: str = "/api/v10/oauth2/token",
) -> tuple[int, dict[str, Any]]:
    credentials = {"client_id": emu.client_id, "client_secret": secret or emu.client_secret}
    headers = {}
    if basic:
        headers = basic_auth(credentials["client_id"], credentials["client_secret"])
    else:
        form = {**credentials, **form}
    async with session.post(f"{emu.base_url}{path}", data=form, headers=headers) as response:
        return response.status, await response.json()


async def redeem(
    session: aiohttp.ClientSession, emu: Emulator, code: str, redirect_uri: str = CALLBACK
) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return await post_token(session, emu, form)


async def api(
    session: aiohttp.ClientSession,
    emu: Emulator,
    path: str,
    authorization: str,
    method: str = "GET",
    json: Any = None,
) -> tuple[int, Any]:
    async with session.request(
        method,
        f"{emu.base_url}/api/v10{path}",
        headers={"Authorization": authorization},
        json=json,
    ) as response:
        return response.status, await response.json()


async def login(
    session: aiohttp.ClientSession, emu: Emulator, user: Any, scope: str = "identify guilds"
) -> dict[str, Any]:
    emu.oauth2_sign_in_as(user)
    status, tokens = await redeem(session, emu, await code_for(session, emu, scope=scope))
    assert status == 200, tokens
    return tokens


# -- the happy path -------------------------------------------------------------------------


async def test_a_signed_in_user_is_redirected_with_a_code_that_buys_a_token(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    world = demo_world(emu)
    emu.oauth2_sign_in_as(world.mod)
    code = await code_for(session, emu)
    [issued] = emu.oauth2_codes
    assert (issued.user, issued.scopes, issued.redeemed_at) == (
        world.mod,
        ("identify", "guilds"),
        None,
    )

    status, tokens = await redeem(session, emu, code)
    assert status == 200
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 604800
    assert tokens["scope"] == "identify guilds"
    assert issued.redeemed_at is not None
    [token] = emu.oauth2_tokens
    assert (token.access_token, token.user, token.grant_type) == (
        tokens["access_token"],
        world.mod,
        "authorization_code",
    )

    status, me = await api(session, emu, "/users/@me", f"Bearer {tokens['access_token']}")
    assert status == 200
    assert (me["id"], me["username"]) == (world.mod.id, "mod")
    assert "email" not in me
    # The records never show a credential in their repr (a failing assert prints them).
    assert code not in repr(issued)
    assert tokens["access_token"] not in repr(token)
    assert tokens["refresh_token"] not in repr(token)


async def test_oauthlib_web_application_client_round_trip(
    emu: Emulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the dashboard does: oauthlib builds and parses, aiohttp carries, HTTP Basic."""
    oauth2 = pytest.importorskip("oauthlib.oauth2")
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # 127.0.0.1 has no TLS
    world = demo_world(emu)
    emu.oauth2_sign_in_as(world.owner.name)
    client = oauth2.WebApplicationClient(emu.client_id)
    uri = client.prepare_request_uri(
        emu.oauth2_authorize_url, redirect_uri=CALLBACK, scope=["identify", "guilds"], state="s1"
    )
    async with session.get(uri, allow_redirects=False) as response:
        assert response.status == 302
        location = response.headers["Location"]
    client.parse_request_uri_response(location, state="s1")
    body = client.prepare_request_body(code=client.code, redirect_uri=CALLBACK)
    async with session.post(
        emu.oauth2_token_url,
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **basic_auth(emu.client_id, emu.client_secret),
        },
    ) as response:
        assert response.status == 200
        client.parse_request_body_response(await response.text(), scope=["identify", "guilds"])
    url, headers, _ = client.add_token(f"{emu.base_url}/api/v10/users/@me/guilds")
    async with session.get(url, headers=headers) as response:
        assert response.status == 200
        [guild] = await response.json()
    assert guild["id"] == world.guild.id
    assert guild["owner"] is True


async def test_nobody_signed_in_gets_a_page_of_users_escaped(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    world = demo_world(emu)
    emu.add_user("<img src=x onerror=alert(1)>")
    response = await authorize(session, emu)
    assert response.status == 200
    assert response.content_type == "text/html"
    async with session.get(emu.oauth2_authorize_url, params=authorize_query(emu)) as again:
        page = await again.text()
    assert "Authorize as uaena" in page
    assert "Authorize as &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in page
    assert f"Authorize as {emu.bot.name}<" not in page  # bots don't sign in

    # Press "Authorize as army" as a browser would: the form's action, the button's value.
    action = re.search(r'<form method="post" action="([^"]+)"', page)
    button = re.search(r'name="user_id" value="(\d+)">Authorize as army<', page)
    assert action is not None
    assert button is not None
    async with session.post(
        emu.base_url + html.unescape(action.group(1)),
        data={"user_id": button.group(1)},
        allow_redirects=False,
    ) as pressed:
        target, query = redirected_to(pressed)
    assert (target, query["state"]) == (CALLBACK, STATE)
    assert emu.oauth2_codes[-1].user is world.army

    async with session.post(
        emu.base_url + html.unescape(action.group(1)),
        data={"cancel": "1"},
        allow_redirects=False,
    ) as cancelled:
        _, query = redirected_to(cancelled)
    assert (query["error"], query["state"]) == ("access_denied", STATE)
    assert len(emu.oauth2_codes) == 1


def test_sign_in_takes_a_member_or_a_name_but_not_the_bot(emu: Emulator) -> None:
    world = demo_world(emu)
    assert emu.oauth2_sign_in_as(world.guild.member(world.uaena)) is world.uaena
    assert emu.oauth2_sign_in_as("army") is world.army
    with pytest.raises(Exception, match="bot"):
        emu.oauth2_sign_in_as(emu.bot)


# -- authorize errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "1234"},
        {"redirect_uri": "http://127.0.0.1:8080/elsewhere"},
        {"redirect_uri": CALLBACK + "/"},  # an exact match only
        {"redirect_uri": None},
    ],
)
async def test_an_unknown_client_or_redirect_uri_is_a_page_not_a_redirect(
    emu: Emulator, session: aiohttp.ClientSession, changes: dict[str, str | None]
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    response = await authorize(session, emu, **changes)
    assert response.status == 400
    assert "Location" not in response.headers
    assert response.content_type == "text/html"
    assert emu.oauth2_codes == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "identify guilds.everything"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
    ],
)
async def test_a_bad_request_redirects_with_its_error_and_state(
    emu: Emulator, session: aiohttp.ClientSession, changes: dict[str, str], error: str
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    target, query = redirected_to(await authorize(session, emu, **changes))
    assert target == CALLBACK
    assert (query["error"], query["state"]) == (error, STATE)
    assert "code" not in query
    assert emu.oauth2_codes == []


async def test_deny_next_is_the_user_pressing_cancel_once(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    emu.oauth2_deny_next()
    _, query = redirected_to(await authorize(session, emu))
    assert query == {
        "error": "access_denied",
        "error_description": "The resource owner or authorization server denied the request",
        "state": STATE,
    }
    assert emu.oauth2_codes == []
    await code_for(session, emu)  # the next one is authorized again


# -- the token endpoint -------------------------------------------------------------------------


async def test_a_code_is_single_use(emu: Emulator, session: aiohttp.ClientSession) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    code = await code_for(session, emu)
    assert (await redeem(session, emu, code))[0] == 200
    assert await redeem(session, emu, code) == (
        400,
        {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'},
    )
    assert len(emu.oauth2_tokens) == 1


async def test_a_code_expires_after_ten_minutes_of_the_emulator_clock(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    in_time = await code_for(session, emu)
    late = await code_for(session, emu)
    clock.now += 599.0
    assert (await redeem(session, emu, in_time))[0] == 200
    clock.now += 1.0
    status, body = await redeem(session, emu, late)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_a_code_is_bound_to_its_redirect_uri(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    other = "http://127.0.0.1:8080/other"
    emu.oauth2_redirect_uris.add(other)
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    code = await code_for(session, emu)
    assert await redeem(session, emu, code, redirect_uri=other) == (
        400,
        {"error": "invalid_grant", "error_description": 'Invalid "redirect_uri" in request.'},
    )
    assert (await redeem(session, emu, code))[0] == 200


@pytest.mark.parametrize("basic", [False, True])
async def test_a_wrong_secret_or_client_is_invalid_client(
    emu: Emulator, session: aiohttp.ClientSession, basic: bool
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    code = await code_for(session, emu)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    wrong = await post_token(session, emu, form, secret="not-the-secret", basic=basic)
    assert wrong == (401, {"error": "invalid_client"})
    stranger = {**form, "client_id": "1234"}
    if not basic:
        assert (await post_token(session, emu, stranger))[0] == 401
    assert emu.oauth2_codes[0].redeemed_at is None
    assert (await post_token(session, emu, form, basic=basic))[0] == 200


async def test_a_changed_client_secret_is_the_one_accepted(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    code = await code_for(session, emu)
    old = emu.client_secret
    emu.client_secret = "rotated"
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    assert (await post_token(session, emu, form, secret=old))[0] == 401
    assert (await post_token(session, emu, form, secret="rotated"))[0] == 200


async def test_the_token_endpoint_reads_forms_only(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    code = await code_for(session, emu)
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
    }
    async with session.post(emu.oauth2_token_url, json=body) as response:
        assert response.status == 400
        assert await response.json() == {
            "error": "unsupported_grant_type",
            "error_description": "Grant type None is not supported",
        }
    missing = await post_token(session, emu, {"grant_type": "authorization_code"})
    assert missing == (
        400,
        {"error": "invalid_request", "error_description": 'Missing "code" in request.'},
    )
    status, other = await post_token(session, emu, {"grant_type": "password"})
    assert (status, other["error"]) == (400, "unsupported_grant_type")


async def test_the_unversioned_token_urls_answer_too(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    code = await code_for(session, emu)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    status, tokens = await post_token(session, emu, form, path="/api/oauth2/token")
    assert status == 200
    revoke = {"token": tokens["access_token"]}
    assert await post_token(session, emu, revoke, path="/api/oauth2/token/revoke") == (200, {})
    assert emu.oauth2_tokens[0].revoked_at is not None


async def test_a_refresh_token_buys_a_new_pair_once(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    world = demo_world(emu)
    first = await login(session, emu, world.uaena)
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    status, second = await post_token(session, emu, refresh, basic=True)
    assert status == 200
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert (second["token_type"], second["scope"]) == ("Bearer", "identify guilds")
    assert emu.oauth2_tokens[-1].grant_type == "refresh_token"
    status, me = await api(session, emu, "/users/@me", f"Bearer {second['access_token']}")
    assert (status, me["id"]) == (200, world.uaena.id)
    again = await post_token(session, emu, refresh)
    assert again == (
        400,
        {"error": "invalid_grant", "error_description": 'Invalid "refresh_token" in request.'},
    )


async def test_revoking_a_token_refuses_every_token_of_the_authorization(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    world = demo_world(emu)
    tokens = await login(session, emu, world.uaena)
    other = await login(session, emu, world.army)
    bearer = f"Bearer {tokens['access_token']}"
    assert (await api(session, emu, "/users/@me", bearer))[0] == 200

    wrong = await post_token(
        session, emu, {"token": tokens["access_token"]}, secret="nope", path=REVOKE
    )
    assert wrong == (401, {"error": "invalid_client"})
    assert (await api(session, emu, "/users/@me", bearer))[0] == 200

    # A refresh made a second pair; revoking its access token refuses the first pair too.
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    _, second = await post_token(session, emu, refresh)
    revoke = {"token": second["access_token"], "token_type_hint": "access_token"}
    assert await post_token(session, emu, revoke, path=REVOKE) == (200, {})
    assert emu.oauth2_tokens[0].revoked_at is not None
    for access in (tokens["access_token"], second["access_token"]):
        assert await api(session, emu, "/users/@me", f"Bearer {access}") == (
            401,
            {"message": "401: Unauthorized", "code": 0},
        )
    again = {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    assert (await post_token(session, emu, again))[1]["error"] == "invalid_grant"
    # Another user's authorization is untouched; an unknown token is no error (RFC 7009).
    assert (await api(session, emu, "/users/@me", f"Bearer {other['access_token']}"))[0] == 200
    assert await post_token(session, emu, {"token": "never-issued"}, path=REVOKE) == (200, {})


async def test_an_access_token_expires_after_a_week_of_the_emulator_clock(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    tokens = await login(session, emu, demo_world(emu).uaena)
    bearer = f"Bearer {tokens['access_token']}"
    clock.now += 604800 - 1
    assert (await api(session, emu, "/users/@me", bearer))[0] == 200
    clock.now += 1
    assert (await api(session, emu, "/users/@me", bearer))[0] == 401


async def test_the_token_endpoint_takes_injected_faults(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    """A web app's handling of Discord being down can be tested like the bot's."""
    emu.oauth2_sign_in_as(demo_world(emu).uaena)
    code = await code_for(session, emu)
    emu.fail_next("POST", r"^/oauth2/token$", 502)
    assert (await redeem(session, emu, code))[0] == 502
    assert (await redeem(session, emu, code))[0] == 200


# -- Bearer tokens on the API -----------------------------------------------------------------


async def test_a_bearer_token_is_refused_on_every_bot_route(
    emu: Emulator, world: DemoWorld, session: aiohttp.ClientSession
) -> None:
    tokens = await login(session, emu, world.owner)
    bearer = f"Bearer {tokens['access_token']}"
    routes = [
        ("GET", f"/channels/{world.general.id}", None),
        ("POST", f"/channels/{world.general.id}/messages", {"content": "hi"}),
        ("GET", f"/guilds/{world.guild.id}", None),
        ("GET", f"/guilds/{world.guild.id}/members/{world.owner.id}", None),
        ("GET", f"/users/{world.uaena.id}", None),
        ("POST", "/users/@me/channels", {"recipient_id": world.uaena.id}),
        ("GET", "/gateway/bot", None),
        ("GET", "/oauth2/applications/@me", None),
        ("PUT", f"/applications/{emu.application_id}/commands", []),
    ]
    for method, path, body in routes:
        status, answer = await api(session, emu, path, bearer, method=method, json=body)
        assert (path, status, answer) == (path, 401, {"message": "401: Unauthorized", "code": 0})
    assert emu.channel_messages(world.general) == []
    # Even when the emulator takes any bot token, a Bearer token is not one.
    emu.token = None
    assert (await api(session, emu, f"/channels/{world.general.id}", bearer))[0] == 401
    assert (await api(session, emu, f"/channels/{world.general.id}", "Bot anything"))[0] == 200


async def test_the_bot_token_still_reads_the_bot_user(
    emu: Emulator, world: DemoWorld, session: aiohttp.ClientSession
) -> None:
    await login(session, emu, world.uaena)
    status, me = await api(session, emu, "/users/@me", f"Bot {emu.token}")
    assert (status, me["id"], me["bot"]) == (200, emu.bot.id, True)
    status, guilds = await api(session, emu, "/users/@me/guilds", f"Bot {emu.token}")
    assert [g["id"] for g in guilds] == [world.guild.id]
    assert guilds[0]["permissions"] == str(permissions.DEFAULT_EVERYONE | permissions.DEFAULT_BOT)
    assert (await api(session, emu, "/users/@me", "Bearer made-up"))[0] == 401


@pytest.mark.parametrize(
    ("scope", "path"), [("identify", "/users/@me/guilds"), ("guilds", "/users/@me")]
)
async def test_a_route_outside_the_token_scope_is_missing_access(
    emu: Emulator, session: aiohttp.ClientSession, scope: str, path: str
) -> None:
    tokens = await login(session, emu, demo_world(emu).uaena, scope=scope)
    assert await api(session, emu, path, f"Bearer {tokens['access_token']}") == (
        403,
        {"message": "Missing Access", "code": 50001},
    )


async def test_my_guilds_carry_each_member_s_permissions(
    emu: Emulator, world: DemoWorld, session: aiohttp.ClientSession
) -> None:
    elsewhere = emu.add_guild("Another server", emu.add_user("someone"))
    admins = elsewhere.add_role("Admins", permissions.ADMINISTRATOR)
    elsewhere.add_member(world.army, roles=[admins])

    async def guilds_of(user: Any) -> dict[str, dict[str, Any]]:
        tokens = await login(session, emu, user)
        status, guilds = await api(
            session, emu, "/users/@me/guilds", f"Bearer {tokens['access_token']}"
        )
        assert status == 200
        return {g["name"]: g for g in guilds}

    owner = await guilds_of(world.owner)
    assert list(owner) == ["Love wins all fans"]
    assert set(owner["Love wins all fans"]) == {
        "id",
        "name",
        "icon",
        "banner",
        "owner",
        "permissions",
        "features",
    }
    assert owner["Love wins all fans"]["owner"] is True
    assert owner["Love wins all fans"]["permissions"] == str(permissions.ALL)

    mod = (await guilds_of(world.mod))["Love wins all fans"]
    assert mod["owner"] is False
    assert int(mod["permissions"]) & permissions.MANAGE_GUILD
    assert int(mod["permissions"]) == (
        permissions.DEFAULT_EVERYONE | permissions.MANAGE_GUILD | permissions.MANAGE_MESSAGES
    )

    army = await guilds_of(world.army)
    assert army["Love wins all fans"]["permissions"] == str(permissions.DEFAULT_EVERYONE)
    assert not int(army["Love wins all fans"]["permissions"]) & permissions.MANAGE_GUILD
    assert army["Another server"]["permissions"] == str(permissions.ALL)  # Administrator

    # Taking the role away shows at once: the permissions are computed at each request.
    world.guild.member(world.mod).roles.clear()
    again = (await guilds_of(world.mod))["Love wins all fans"]
    assert again["permissions"] == str(permissions.DEFAULT_EVERYONE)


async def test_my_guilds_page_by_id(
    emu: Emulator, world: DemoWorld, session: aiohttp.ClientSession
) -> None:
    more = [emu.add_guild(f"Server {n}", world.uaena) for n in range(3)]
    ids = sorted([world.guild.id, *(g.id for g in more)], key=int)
    tokens = await login(session, emu, world.uaena)
    bearer = f"Bearer {tokens['access_token']}"

    async def listed(query: str) -> list[str]:
        status, guilds = await api(session, emu, f"/users/@me/guilds?{query}", bearer)
        assert status == 200
        return [g["id"] for g in guilds]

    assert await listed("") == ids
    assert await listed("limit=2") == ids[:2]
    assert await listed(f"after={ids[0]}&limit=2") == ids[1:3]
    assert await listed(f"before={ids[3]}&limit=2") == ids[1:3]


# -- secrets stay out of logs and records -------------------------------------------------------


async def test_no_code_token_or_secret_is_logged_or_recorded(
    emu: Emulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = demo_world(emu)
    emu.client_secret = "s3cret-value-for-the-log-test"
    tokens = await login(session, emu, world.mod)
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    _, second = await post_token(session, emu, refresh)
    await post_token(session, emu, {"token": second["access_token"]}, path=REVOKE)
    await api(session, emu, "/users/@me", f"Bearer {second['access_token']}")
    await api(session, emu, f"/guilds/{world.guild.id}", f"Bearer {tokens['access_token']}")
    await redeem(session, emu, emu.oauth2_codes[0].code)  # a replay, refused

    secrets = {
        emu.client_secret,
        emu.oauth2_codes[0].code,
        *(t.access_token for t in emu.oauth2_tokens),
        *(t.refresh_token for t in emu.oauth2_tokens),
    }
    assert "OAuth2" in caplog.text  # the flow is logged, by user name
    assert [s for s in secrets if s in caplog.text] == []
    recorded = repr(emu.request_log) + repr(emu.requests)
    assert [s for s in secrets if s in recorded] == []
    token_posts = emu.requests_matching("POST", r"^/oauth2/token$")
    assert token_posts[0].json["client_secret"] == "[redacted]"
    assert token_posts[0].json["grant_type"] == "authorization_code"
