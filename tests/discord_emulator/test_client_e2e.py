"""A bare discord.py client against the emulator: proves the emulator speaks what 2.7.1 needs.

The bot here is a tiny test bot, not the project's: each command exercises one kind of answer.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from discord_emulator import (
    DemoWorld,
    DriverError,
    Emulator,
    InteractionTimeout,
    add_fans,
    eventually,
    permissions,
    running_client,
)

pytestmark = pytest.mark.asyncio

CATEGORIES = ["video", "lyrics", "credits", "symbols"]
SYMBOLS = ["Nemo", "Camcorder", "Neon sign", "Cube"]


class AnswerView(discord.ui.View):
    """Two buttons: A edits the message in place, B answers ephemerally."""

    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.button(label="A", custom_id="answer:a")
    async def answer_a(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"{interaction.user.name} answered A", view=None
        )

    @discord.ui.button(label="B", custom_id="answer:b")
    async def answer_b(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message("not quite", ephemeral=True)


class NameModal(discord.ui.Modal, title="Your name"):
    name = discord.ui.TextInput(label="Name", custom_id="name")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hi {self.name.value}", ephemeral=True)


@dataclass
class Seen:
    """What the test bot observed, for assertions."""

    messages: list[discord.Message] = field(default_factory=list)
    resumed: int = 0
    ready: int = 0


class TinyBot(commands.Bot):
    """The tiny bot under test."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix="!",
            intents=intents or discord.Intents.default(),
            # on_ready waits this long after the last GUILD_CREATE; keep tests fast.
            guild_ready_timeout=0.05,
        )
        self.seen = Seen()
        self._register()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.messages.append(message)

    async def on_resumed(self) -> None:
        self.seen.resumed += 1

    async def on_ready(self) -> None:
        self.seen.ready += 1

    def _register(self) -> None:
        tree = self.tree
        trivia = app_commands.Group(name="trivia", description="Trivia about Love wins all")

        @trivia.command(name="play", description="Start a question")
        async def play(interaction: discord.Interaction, category: str | None = None) -> None:
            embed = discord.Embed(title="Question", description=f"category={category}")
            await interaction.response.send_message(embed=embed, view=AnswerView())

        @play.autocomplete("category")
        async def category_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=c, value=c) for c in CATEGORIES if c.startswith(current)
            ]

        @trivia.command(name="secret", description="An ephemeral answer")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("just for you", ephemeral=True)

        tree.add_command(trivia)

        @tree.command(description="Deferred, then a followup")
        async def slow(interaction: discord.Interaction, ephemeral: bool = False) -> None:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            await asyncio.sleep(0)
            await interaction.followup.send("done thinking")
            await interaction.followup.send("and one more", ephemeral=True)

        @tree.command(description="Deferred, then the original response edited")
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True)
            await interaction.edit_original_response(content="ready now")

        @tree.command(description="Answers, then edits its answer")
        async def countdown(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("3")
            await interaction.edit_original_response(content="2")

        @tree.command(description="Every option type")
        async def echo(
            interaction: discord.Interaction,
            text: str,
            times: app_commands.Range[int, 1, 5],
            who: discord.Member,
            where: discord.TextChannel,
            role: discord.Role,
            file: discord.Attachment,
        ) -> None:
            data = (await file.read()).decode()
            await interaction.response.send_message(
                f"{text}x{times} {who.name} #{where.name} @{role.name} {file.filename}={data} "
                f"perms={interaction.permissions.manage_guild}",
                allowed_mentions=discord.AllowedMentions.none(),
            )

        @tree.command(description="Answers with a file")
        async def card(interaction: discord.Interaction) -> None:
            file = discord.File(io.BytesIO(b"PNG..."), "card.png")
            await interaction.response.send_message("your card", file=file)

        @tree.command(description="Symbol lookup")
        async def symbol(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"symbol {name}")

        @symbol.autocomplete("name")
        async def symbol_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            found = [s for s in SYMBOLS if s.lower().startswith(current.lower())]
            return [app_commands.Choice(name=s, value=s) for s in found]

        @tree.command(description="Moderators only")
        @app_commands.default_permissions(manage_guild=True)
        async def admin(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("admin ok", ephemeral=True)

        @tree.command(description="Opens a modal")
        async def form(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(NameModal())

        @tree.command(description="Never answers")
        async def silent(interaction: discord.Interaction) -> None:
            return


@pytest.fixture
async def bot(emu: Emulator, world: DemoWorld) -> AsyncIterator[TinyBot]:
    client = TinyBot()
    async with running_client(client, emu):
        await client.tree.sync()
        yield client


def channel_of(bot: discord.Client, channel_id: str) -> discord.TextChannel:
    channel = bot.get_channel(int(channel_id))
    assert isinstance(channel, discord.TextChannel)
    return channel


# -- connecting ---------------------------------------------------------------------------------


async def test_login_ready_and_guild_create(emu: Emulator, world: DemoWorld) -> None:
    client = TinyBot()
    async with running_client(client, emu, wait_until_ready=True):
        guild = client.get_guild(int(world.guild.id))
        assert guild is not None
        assert guild.name == "Love wins all fans"
        assert [c.name for c in guild.text_channels] == ["general", "trivia", "announcements"]
        assert guild.me is not None
        assert guild.me.id == int(emu.bot.id)
        assert guild.me.bot
        assert guild.member_count == 5
        assert guild.get_role(int(world.mods.id)) is not None
        assert client.user is not None
        assert client.user.id == int(emu.bot.id)
        assert client.application_id == int(emu.application_id)
        assert client.seen.ready == 1
    info = emu.gateway.connections[0]
    assert info.kind == "identify"
    # zlib-stream here; zstd-stream when a zstd module is installed (both are served).
    compress = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert info.query == {"v": "10", "encoding": "json", "compress": compress}


async def test_command_sync_is_recorded(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    puts = emu.requests_matching("PUT", rf"^/applications/{emu.application_id}/commands$")
    assert len(puts) == 1
    names = {c["name"] for c in emu.commands()}
    assert {"trivia", "slow", "echo", "symbol", "admin"} <= names
    trivia = next(c for c in emu.commands() if c["name"] == "trivia")
    assert [o["name"] for o in trivia["options"]] == ["play", "secret"]

    # A guild sync lands in the guild's list, and the same name keeps its id on re-sync.
    bot.tree.copy_global_to(guild=discord.Object(int(world.guild.id)))
    first = await bot.tree.sync(guild=discord.Object(int(world.guild.id)))
    again = await bot.tree.sync(guild=discord.Object(int(world.guild.id)))
    assert [c.id for c in first] == [c.id for c in again]
    assert {c["name"] for c in emu.commands(world.guild)} == names


# -- slash commands -----------------------------------------------------------------------------


async def test_slash_subcommand_public_and_ephemeral(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    result = await emu.slash(
        world.guild, world.trivia, world.uaena, "trivia play", {"category": "video"}
    )
    assert result.type == 4
    assert not result.ephemeral
    assert result.embed is not None
    assert result.embed["description"] == "category=video"
    assert [b["label"] for b in result.message.buttons()] == ["A", "B"]
    assert emu.channel_messages(world.trivia) == [result.message]
    # discord.py 2.7 always asks for the callback response object.
    callback = next(r for r in emu.request_log if r.path.endswith("/callback"))
    assert callback.query == {"with_response": "1"}
    sent = result.interaction.payload
    assert sent["data"]["options"] == [
        {"name": "play", "type": 1, "options": [{"name": "category", "type": 3, "value": "video"}]}
    ]

    secret = await emu.slash(world.guild, world.trivia, world.army, "trivia secret")
    assert secret.ephemeral
    assert secret.content == "just for you"
    assert secret.message not in emu.channel_messages(world.trivia)


async def test_slash_option_types_are_resolved(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    pack = emu.add_attachment("pack.json", b'{"questions": []}')
    result = await emu.slash(
        world.guild,
        "general",
        world.mod,
        "echo",
        {
            "text": "hi",
            "times": 3,
            "who": world.army,
            "where": world.trivia,
            "role": world.mods,
            "file": pack,
        },
    )
    assert result.content == 'hix3 army #trivia @Mods pack.json={"questions": []} perms=True'
    assert result.message.allowed_mentions == {"parse": []}
    with pytest.raises(DriverError, match="outside"):
        await emu.slash(
            world.guild,
            "general",
            world.mod,
            "echo",
            {
                "text": "hi",
                "times": 9,
                "who": world.army,
                "where": world.trivia,
                "role": world.mods,
                "file": pack,
            },
        )
    with pytest.raises(DriverError, match="needs option"):
        await emu.slash(world.guild, "general", world.mod, "echo", {"text": "hi"})


async def test_default_member_permissions_hide_a_command(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    with pytest.raises(DriverError, match="cannot see /admin"):
        await emu.slash(world.guild, "general", world.uaena, "admin")
    assert (await emu.slash(world.guild, "general", world.mod, "admin")).content == "admin ok"
    overridden = await emu.slash(
        world.guild, "general", world.uaena, "admin", ignore_default_permissions=True
    )
    assert overridden.content == "admin ok"


async def test_deferred_then_followups(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    result = await emu.slash(world.guild, "general", world.uaena, "slow")
    assert result.type == 5
    # The first followup after a defer replaces the "thinking" message, as on Discord.
    assert result.content == "done thinking"
    assert not result.message.loading
    extra = await result.wait_followup()
    assert extra.content == "and one more"
    assert extra.ephemeral
    assert result.followups == [extra]
    assert [m.content for m in emu.channel_messages(world.general)] == ["done thinking"]

    ephemeral = await emu.slash(world.guild, "general", world.uaena, "slow", {"ephemeral": True})
    assert ephemeral.ephemeral
    assert ephemeral.content == "done thinking"
    assert (await ephemeral.wait_followup()).content == "and one more"


async def test_deferred_then_original_edited(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    result = await emu.slash(world.guild, "general", world.uaena, "later")
    assert (result.type, result.content, result.ephemeral) == (5, "ready now", True)
    assert result.message.history[0]["flags"] & 128  # it was "thinking" first


async def test_defer_without_waiting(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    result = await emu.slash(world.guild, "general", world.uaena, "later", wait_deferred=False)
    assert result.type == 5
    completed = await result.wait_edit()
    assert completed.content == "ready now"
    assert not completed.loading


async def test_edits_can_be_awaited(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    result = await emu.slash(world.guild, "general", world.uaena, "countdown")
    assert result.initial is not None
    assert result.initial["content"] == "3"
    edited = await result.wait_edit()
    assert edited.content == "2"
    assert edited is result.message
    with pytest.raises(InteractionTimeout):
        await result.wait_edit(timeout=0.05)


async def test_unanswered_interaction_times_out(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    with pytest.raises(InteractionTimeout, match="did not answer 'silent'"):
        await emu.slash(world.guild, "general", world.uaena, "silent", timeout=0.2)


# -- components, autocomplete, modals -------------------------------------------------------


async def test_button_click_edits_message(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    question = await emu.slash(world.guild, world.trivia, world.uaena, "trivia play")
    wrong = await emu.click(question.message, "answer:b", world.army)
    assert wrong.type == 4
    assert wrong.ephemeral
    assert wrong.content == "not quite"

    clicked = await emu.click(question.message, "answer:a", world.army)
    assert clicked.type == 7
    assert clicked.message is question.message
    assert question.message.content == "army answered A"
    assert question.message.components == []
    assert (await question.wait_edit()).content == "army answered A"
    with pytest.raises(DriverError, match="no component"):
        await emu.click(question.message, "answer:a", world.army)


async def test_a_burst_of_clicks_dispatched_without_waiting(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    fans = add_fans(world, 200)
    assert len({fan.user.name for fan in fans}) == 200
    assert add_fans(world, 1)[0].user.name == "fan0200"  # numbering goes on
    question = await emu.slash(world.guild, world.trivia, world.uaena, "trivia play")
    clicks = [emu.dispatch_click(question.message, "answer:b", fan) for fan in fans]
    assert all(click.response_type is None for click in clicks)  # nothing waited for

    await eventually(lambda: all(click.response_type == 4 for click in clicks), timeout=20)
    assert all(click.original.content == "not quite" for click in clicks)
    assert all(click.response_at is not None and not click.late_callback for click in clicks)


def listen_queue(port: str) -> tuple[int, int] | None:
    """The listening socket's backlog (ss shows it as Send-Q) and the kernel's cap."""
    listing = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0 or not listing.stdout.strip():
        return None
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    return int(listing.stdout.split()[2]), somaxconn


async def test_the_listen_backlog_takes_a_burst_of_connections(emu: Emulator) -> None:
    """aiohttp's default backlog (128) dropped connections of a 2,000-click burst."""
    queue = listen_queue(emu.base_url.rsplit(":", 1)[1])
    if queue is None:
        pytest.skip("no `ss` to read the listen queue's size")
    backlog, somaxconn = queue
    assert backlog == min(emu.listen_backlog, somaxconn) > 128


async def test_autocomplete(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    choices = await emu.autocomplete(world.guild, "general", world.uaena, "symbol", "name", "Ne")
    assert choices == [
        {"name": "Nemo", "value": "Nemo"},
        {"name": "Neon sign", "value": "Neon sign"},
    ]
    nested = await emu.autocomplete(
        world.guild, "general", world.uaena, "trivia play", focused="category", value="v"
    )
    assert [c["value"] for c in nested] == ["video"]


async def test_modal_submit(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    opened = await emu.slash(world.guild, "general", world.uaena, "form")
    assert opened.type == 9
    assert opened.modal is not None
    answered = await emu.submit_modal(opened, {"name": "Jieun"})
    assert answered.content == "hi Jieun"
    assert answered.ephemeral


# -- channel messages ---------------------------------------------------------------------------


async def test_nonce_deduplicates_channel_sends(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    channel = channel_of(bot, world.announcements.id)
    first = await channel.send("D-30", nonce=424242)
    second = await channel.send("D-30", nonce=424242)
    assert first.id == second.id
    assert [m.content for m in emu.channel_messages(world.announcements)] == ["D-30"]
    assert len(emu.requests_matching("POST", rf"/channels/{world.announcements.id}/messages$")) == 2
    assert (await emu.wait_for_message(world.announcements)).nonce == "424242"


async def test_message_edit_and_delete(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    channel = channel_of(bot, world.general.id)
    sent = await channel.send("draft", embed=discord.Embed(title="t"))
    stored = emu.message(sent.id)
    await sent.edit(content="final")
    assert stored.content == "final"
    assert stored.embeds[0]["title"] == "t"
    assert stored.revision == 1
    fetched = await channel.fetch_message(sent.id)
    assert fetched.content == "final"
    await sent.delete()
    assert emu.channel_messages(world.general) == []
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(sent.id)


async def test_uploaded_files_are_served(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    channel = channel_of(bot, world.general.id)
    sent = await channel.send("pack", file=discord.File(io.BytesIO(b"[[questions]]"), "pack.toml"))
    stored = emu.message(sent.id)
    assert [a.filename for a in stored.attachments] == ["pack.toml"]
    assert await sent.attachments[0].read() == b"[[questions]]"
    upload = next(r for r in emu.request_log if r.files)
    assert upload.json["content"] == "pack"

    result = await emu.slash(world.guild, "general", world.uaena, "card")
    assert result.content == "your card"
    assert [a.content_type for a in result.message.attachments] == ["image/png"]
    assert emu.attachment_bytes(result.message.to_dict()["attachments"][0]) == b"PNG..."


async def test_direct_messages(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    user = await bot.fetch_user(int(world.army.id))
    await user.send("your trivia streak is 3")
    dm = emu.dm_channel(world.army)
    assert [m.content for m in emu.channel_messages(dm)] == ["your trivia streak is 3"]


async def test_invalid_payload_is_rejected_like_discord(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    channel = channel_of(bot, world.general.id)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.status == 400
    assert info.value.code == 50035
    assert "content" in info.value.text


async def test_user_messages_reach_the_bot_without_content(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    emu.user_message(world.general, world.uaena, "hello bot")
    received = await eventually(lambda: bot.seen.messages)
    assert received[0].author.id == int(world.uaena.id)
    # No message content intent: Discord blanks other people's messages.
    assert received[0].content == ""


# -- faults ---------------------------------------------------------------------------------------


async def test_429_is_retried_transparently(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    rule = emu.fail_next("POST", r"/channels/\d+/messages$", status=429, retry_after=0.05)
    sent = await channel_of(bot, world.general.id).send("after a rate limit")
    assert rule.hits == 1
    statuses = [r.status for r in emu.request_log if r.method == "POST" and "/messages" in r.path]
    assert statuses == [429, 200]
    assert emu.channel_messages(world.general)[0].id == str(sent.id)


async def test_429_on_interaction_callback_is_retried(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    emu.fail_next("POST", r"/callback$", status=429, retry_after=0.05)
    result = await emu.slash(world.guild, "general", world.uaena, "symbol", {"name": "Nemo"})
    assert result.content == "symbol Nemo"


async def test_403_raises_forbidden(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    channel = channel_of(bot, world.general.id)
    emu.fail_next("POST", r"/messages$", status=403)
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("nope")
    assert info.value.code == 50013
    assert emu.channel_messages(world.general) == []

    # A real overwrite has the same effect, no injection needed.
    world.announcements.set_overwrite(world.guild.me, deny=permissions.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden):
        await channel_of(bot, world.announcements.id).send("nope")


async def test_unknown_route_is_a_logged_404(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    route = discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=int(world.guild.id))
    with pytest.raises(discord.NotFound):
        await bot.http.request(route)
    assert emu.unknown_routes == [("GET", f"/guilds/{world.guild.id}/bans")]


async def test_hold_before_and_after(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    channel = channel_of(bot, world.general.id)
    before = emu.hold("POST", r"/channels/\d+/messages$", when="before")
    send = asyncio.create_task(channel.send("held"))
    await before.reached()
    assert emu.channel_messages(world.general) == []  # paused before acting
    before.release()
    await send

    after = emu.hold("POST", r"/channels/\d+/messages$", when="after")
    send = asyncio.create_task(channel.send("sent but unanswered"))
    await after.reached()
    # Discord acted, the bot hasn't heard back: the instant a crash would lose the reply.
    assert [m.content for m in emu.channel_messages(world.general)] == [
        "held",
        "sent but unanswered",
    ]
    assert not send.done()
    send.cancel()
    after.release()
    with pytest.raises(asyncio.CancelledError):
        await send


# -- gateway --------------------------------------------------------------------------------------


async def test_gateway_drop_then_resume(emu: Emulator, bot: TinyBot, world: DemoWorld) -> None:
    await emu.drop_gateway()
    # Sent while the bot is away: replayed on RESUME.
    emu.user_message(world.general, world.army, "while you were out")
    await emu.wait_ready()
    await eventually(lambda: bot.seen.resumed == 1)
    assert emu.gateway.resume_count == 1
    assert emu.gateway.identify_count == 1
    resumed = emu.gateway.connections[-1]
    assert resumed.kind == "resume"
    assert resumed.path == "/gateway/resume"
    assert [m.author.name for m in await eventually(lambda: bot.seen.messages)] == ["army"]
    result = await emu.slash(world.guild, "general", world.uaena, "symbol", {"name": "Cube"})
    assert result.content == "symbol Cube"


async def test_new_guild_after_ready_reaches_the_bot(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    guild = emu.add_guild("Second server", world.owner)
    guild.add_text_channel("lobby")
    cached = await eventually(lambda: bot.get_guild(int(guild.id)))
    await eventually(lambda: cached.get_channel(int(guild.channel("lobby").id)))
    assert cached.me is not None


async def test_a_removed_guild_leaves_and_can_come_back(
    emu: Emulator, bot: TinyBot, world: DemoWorld
) -> None:
    guild_id = int(world.guild.id)
    general = int(world.guild.channel("general").id)
    emu.remove_guild(world.guild)
    await eventually(lambda: bot.get_guild(guild_id) is None)
    emu.rejoin_guild(world.guild)
    cached = await eventually(lambda: bot.get_guild(guild_id))
    await eventually(lambda: cached.get_channel(general))
    result = await emu.slash(world.guild, "general", world.uaena, "symbol", {"name": "Cube"})
    assert result.content == "symbol Cube"


async def test_wrong_token_is_refused(emu: Emulator, world: DemoWorld) -> None:
    client = TinyBot()
    with pytest.raises(discord.LoginFailure):
        async with running_client(client, emu, token="not-the-token"):
            pass


async def test_privileged_intents_must_be_enabled(world: DemoWorld) -> None:
    async with Emulator(privileged_intents=0) as strict:
        demo_guild = strict.add_guild("g", strict.add_user("o"))
        demo_guild.add_text_channel("c")
        client = TinyBot(intents=discord.Intents.all())
        with pytest.raises(RuntimeError, match="stopped before it was ready") as info:
            async with running_client(client, strict, timeout=2):
                pass
        assert isinstance(info.value.__cause__, discord.PrivilegedIntentsRequired)
