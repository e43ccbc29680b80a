"""Settings reach every process: a change of a server's settings, by another process of the
bot or by any other writer of the PostgreSQL database, drops that server from each process's
cache (`GuildSettingsStore.follow_changes`, the triggers of
bot/migrations/postgresql/0002_settings_notify.sql, `bot.postgres.PostgresSubscription`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.client import installed_features
from bot.clock import FakeClock
from bot.database import Subscription
from bot.guild_settings import DEFAULT_TIMEZONE, SETTINGS_CHANNEL, GuildSettingsStore
from bot.postgres import LISTENER_NAME, PostgresDatabase, PostgresSubscription
from bot.sqlite import SqliteDatabase
from tests.support.postgres import PostgresServer

FEATURES = installed_features()
GUILD = 1_150_000_000_000_000_001
OTHER_GUILD = 1_150_000_000_000_000_002
MOD = 42
# What "reaches every process" promises.
WITHIN = 1.0


async def until(check: Callable[[], Awaitable[bool]], within: float = WITHIN) -> None:
    """Poll `check` until it is true; fail if it is not within `within` seconds (the
    notification has no event a test could wait on in another process)."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within} s")
        await asyncio.sleep(0.01)


@dataclass
class Cluster:
    """Two processes' stores on one database: `writer` changes, `reader` follows."""

    server: PostgresServer
    name: str
    writer: GuildSettingsStore
    reader: GuildSettingsStore
    listening: PostgresSubscription

    def psql(self, sql: str) -> str:
        return self.server.psql(sql, self.name)

    def listeners(self, select: str) -> str:
        """`select` (`SELECT count(*)`, say) over the listener connections of this database,
        run from the server's `postgres` database (this one may refuse connections)."""
        return self.server.psql(
            f"{select} FROM pg_stat_activity WHERE application_name = '{LISTENER_NAME}' "
            f"AND datname = '{self.name}'"
        )

    async def timezone(self, guild_id: int = GUILD) -> str:
        return (await self.reader.get(guild_id)).timezone


@pytest.fixture
async def cluster(postgres: PostgresServer, clock: FakeClock) -> AsyncIterator[Cluster]:
    url = await postgres.fresh_database()
    first = await PostgresDatabase.open(url)
    second = await PostgresDatabase.open(url)
    reader = GuildSettingsStore(second, clock, FEATURES)
    listening = await reader.follow_changes()
    assert isinstance(listening, PostgresSubscription)
    try:
        yield Cluster(
            postgres,
            urlsplit(url).path.lstrip("/"),
            GuildSettingsStore(first, clock, FEATURES),
            reader,
            listening,
        )
    finally:
        await listening.close()
        await first.close()
        await second.close()


async def test_a_change_by_one_process_reaches_the_others_cache(cluster: Cluster):
    assert await cluster.timezone() == DEFAULT_TIMEZONE  # now cached by the reader
    assert (await cluster.reader.get(GUILD)).value("trivia_timeout") == 20

    await cluster.writer.update(GUILD, MOD, timezone="Europe/Berlin")
    await until(lambda: _equals(cluster.timezone(), "Europe/Berlin"))

    # A feature's setting (a row of feature_settings) and a feature switch.
    await cluster.writer.set_value(GUILD, MOD, "trivia_timeout", 45)
    await until(lambda: _equals(_value(cluster.reader, "trivia_timeout"), 45))
    await cluster.writer.set_cog_enabled(GUILD, MOD, "trivia", False)
    await until(lambda: _equals(_enabled(cluster.reader, "trivia"), False))


async def test_another_writers_sql_reaches_the_cache(cluster: Cluster):
    await cluster.writer.update(GUILD, MOD, timezone="Europe/Berlin")
    await cluster.writer.update(OTHER_GUILD, MOD, timezone="Europe/Paris")
    assert await cluster.timezone() == "Europe/Berlin"
    assert await cluster.timezone(OTHER_GUILD) == "Europe/Paris"

    # The dashboard or an operator, writing the tables directly.
    cluster.psql(f"UPDATE guild_settings SET timezone = 'UTC' WHERE guild_id = {GUILD}")
    await until(lambda: _equals(cluster.timezone(), "UTC"))
    cluster.psql(
        "INSERT INTO feature_settings (guild_id, name, value) "
        f"VALUES ({GUILD}, 'trivia_timeout', 90)"
    )
    await until(lambda: _equals(_value(cluster.reader, "trivia_timeout"), 90))
    cluster.psql(f"DELETE FROM feature_settings WHERE guild_id = {GUILD}")
    await until(lambda: _equals(_value(cluster.reader, "trivia_timeout"), 20))
    cluster.psql(f"DELETE FROM guild_settings WHERE guild_id = {GUILD}")
    await until(lambda: _equals(cluster.timezone(), DEFAULT_TIMEZONE))

    # The other server was never named: a TRUNCATE names every server.
    assert await cluster.timezone(OTHER_GUILD) == "Europe/Paris"
    cluster.psql("TRUNCATE guild_settings")
    await until(lambda: _equals(cluster.timezone(OTHER_GUILD), DEFAULT_TIMEZONE))


async def test_a_notification_naming_no_server_is_ignored(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
):
    assert await cluster.timezone() == DEFAULT_TIMEZONE
    cluster.psql("SELECT pg_notify('fanbot_settings', 'not a server')")
    await cluster.writer.update(GUILD, MOD, timezone="Asia/Tokyo")
    await until(lambda: _equals(cluster.timezone(), "Asia/Tokyo"))
    assert "ignored a settings notification that names no server: 'not a server'" in (caplog.text)
    assert cluster.listening.connections == 1  # the listener went on, no reconnect needed


async def test_the_listener_reconnects_and_forgets_what_it_may_have_missed(cluster: Cluster):
    assert await cluster.timezone() == DEFAULT_TIMEZONE
    # The listener's connection is cut, and stays impossible for a while: a change made
    # meanwhile is notified to nobody.
    cluster.server.psql(f'ALTER DATABASE "{cluster.name}" WITH ALLOW_CONNECTIONS false')
    try:
        killed = cluster.listeners("SELECT pg_terminate_backend(pid)")
        assert killed == "t"
        await until(lambda: _no_listener(cluster), within=10)
        await cluster.writer.update(GUILD, MOD, timezone="Europe/Berlin")
        assert await cluster.timezone() == DEFAULT_TIMEZONE  # stale, as nothing told it
    finally:
        cluster.server.psql(f'ALTER DATABASE "{cluster.name}" WITH ALLOW_CONNECTIONS true')
    # Back: the whole cache was dropped on reconnecting, so the missed change is read...
    await until(lambda: _equals(cluster.timezone(), "Europe/Berlin"), within=15)
    assert cluster.listening.connections == 2
    # ... and later changes are heard again.
    cluster.psql(f"UPDATE guild_settings SET timezone = 'UTC' WHERE guild_id = {GUILD}")
    await until(lambda: _equals(cluster.timezone(), "UTC"))


async def test_a_killed_listener_is_back_before_the_next_change(cluster: Cluster):
    assert await cluster.timezone() == DEFAULT_TIMEZONE
    assert cluster.listeners("SELECT count(*)") == "1"
    cluster.listeners("SELECT pg_terminate_backend(pid)")
    await until(lambda: _reconnected(cluster), within=10)
    assert await cluster.timezone() == DEFAULT_TIMEZONE  # cached again after reconnecting
    cluster.psql(f"INSERT INTO guild_settings (guild_id, timezone) VALUES ({GUILD}, 'UTC')")
    await until(lambda: _equals(cluster.timezone(), "UTC"))


class SilentCut:
    """A TCP proxy to the test server's Unix socket that can cut the connections it carries
    without closing them (a firewall dropping them): nothing passes, nobody is told."""

    def __init__(self, socket: Path) -> None:
        self._socket = socket
        self._cut: set[asyncio.StreamWriter] = set()
        self._open: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> SilentCut:
        self._server = await asyncio.start_server(self._carry, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._open:
            writer.close()
        assert self._server is not None
        self._server.close()

    def cut_all(self) -> None:
        """From now on the connections open now carry nothing; new ones are carried."""
        self._cut.update(self._open)

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(self._socket)
        self._open += [writer, up_writer]
        await asyncio.gather(
            self._pipe(reader, up_writer, writer),
            self._pipe(up_reader, writer, writer),
            return_exceptions=True,
        )

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, client: asyncio.StreamWriter
    ) -> None:
        while data := await source.read(65536):
            if client not in self._cut:
                sink.write(data)
                await sink.drain()
        sink.close()


async def test_a_listener_cut_off_silently_finds_out_and_reconnects(postgres: PostgresServer):
    if postgres.folder is None:
        pytest.skip("needs the tests' own server (its Unix socket), not TEST_DATABASE_URL")
    url = await postgres.fresh_database()
    name = urlsplit(url).path.lstrip("/")
    heard: list[str] = []
    connected: list[int] = []
    async with SilentCut(postgres.folder / ".s.PGSQL.5432") as cut:
        listening = PostgresSubscription(
            f"postgresql://postgres@127.0.0.1:{cut.port}/{name}",
            SETTINGS_CHANNEL,
            heard.append,
            lambda: connected.append(1),
            check_every=0.1,
            check_timeout=0.3,
        )
        await listening.start(first_wait=5)
        try:
            assert connected == [1]
            cut.cut_all()
            postgres.psql(f"SELECT pg_notify('{SETTINGS_CHANNEL}', '7')", name)
            # Nothing closed the socket: only the periodic check finds the silence.
            await until(lambda: _true(len(connected) == 2), within=5)
            postgres.psql(f"SELECT pg_notify('{SETTINGS_CHANNEL}', '8')", name)
            await until(lambda: _true(heard == ["8"]))
        finally:
            await listening.close()


async def test_sqlite_hears_nothing_and_needs_no_listener(sqlite_db: SqliteDatabase, clock):
    store = GuildSettingsStore(sqlite_db, clock, FEATURES)
    listening = await store.follow_changes()
    assert type(listening) is Subscription  # the no-op: one process writes this file
    await listening.close()


async def _no_listener(cluster: Cluster) -> bool:
    return cluster.listeners("SELECT count(*)") == "0"


async def _reconnected(cluster: Cluster) -> bool:
    return cluster.listening.connections == 2


async def _true(value: bool) -> bool:
    return value


async def _equals(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


async def _value(store: GuildSettingsStore, name: str) -> int:
    return (await store.get(GUILD)).value(name)


async def _enabled(store: GuildSettingsStore, name: str) -> bool:
    return (await store.get(GUILD)).cog_enabled(name)
