"""The dashboard's questions page, served by the real bot against the emulator: what
`/trivia-admin` does, on a page, with the command's checks, for this server's rows only."""

from __future__ import annotations

import json

from bot.client import FanBot
from cogs.trivia.own_questions import GUILD_MAX_QUESTIONS, PACK_MAX_BYTES
from cogs.trivia.store import TriviaStore
from discord_emulator import DemoWorld, Emulator, eventually
from discord_emulator.state import Guild
from tests.support.dashboard import DashboardClient, dashboard_client, recorded_changes
from tests.support.dashboard_questions import (
    GOOD_PACK,
    count_in,
    fields,
    input_value,
    listed_row,
    notice_on,
    page_of_questions,
    post_pack,
    problems_on,
    question,
    store_questions,
    textarea,
)

# Four mistakes in three questions, each for its own place; and a key the format doesn't know.
BAD_PACK = """
[[questions]]
question = "Which colour is our server banner?"
correct = "Lilac"
wrong1 = "Red"
wrong2 = "Green"
wrong3 = "Black"

[[questions]]
question = "Which day is our weekly watch party?"
correct = "Friday"
wrong1 = "Monday"
wrong2 = "Monday"

[[questions]]
question = "Which colour is our server banner?"
corect = "Lilac"
correct = "Lilac"
wrong1 = "Red"
wrong2 = "Green"
wrong3 = "<b>Black</b>"
difficulty = "extreme"
"""
BAD_PACK_PROBLEMS = [
    "question 2, field wrong3: is missing",
    "question 3: unknown key `corect`; did you mean `correct`?",
    "question 3, field difficulty: must be one of: easy, medium, hard",
    "question 3: repeats question 1 word for word",
]


async def test_every_route_is_the_moderators_and_a_member_gets_403(
    dashboard: FanBot, moderator: DashboardClient, member: DashboardClient, world: DemoWorld
) -> None:
    path = page_of_questions(world.guild.id)
    [stored] = await store_questions(dashboard, world.guild.id, [question("Ours?")], "p.toml")
    status, page = await moderator.get(path)
    assert status == 200, page
    status, _ = await member.get(path)
    assert status == 403
    posts = {
        "/add": fields(),
        "/import": {"pack_text": GOOD_PACK, "action": "import"},
        "/remove": {"id": str(stored)},
        "/remove-pack": {"pack": "p.toml"},
    }
    for route, form in posts.items():
        status, _ = await member.post_form(f"{path}{route}", form, token_from="/servers")
        assert status == 403, route
    assert await count_in(dashboard, world.guild.id) == 1  # nothing added, nothing removed


async def test_the_list_shows_each_question_with_its_answer_korean_and_pack(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    guild = world.guild.id
    [packed] = await store_questions(
        dashboard, guild, [question("Packed?", korean=True)], "ours.toml"
    )
    [typed] = await store_questions(dashboard, guild, [question("Typed?", category="video")])
    status, page = await moderator.get(page_of_questions(guild))
    assert status == 200
    row = listed_row(page, packed)
    assert "Packed?" in row
    assert "Packed? (한국어)" in row
    assert '<li class="right">A <span lang="ko">· 가</span>' in row  # the right one marked
    assert "<li>B " in row
    assert "<td>ours.toml</td>" in row
    row = listed_row(page, typed)
    assert "added one at a time" in row  # the typed one has no pack
    assert "<td>video</td>" in row
    assert '<input type="hidden" name="id" value="' + str(typed) + '">' in row
    # The pack, with its count and its own Remove pack.
    assert '<input type="hidden" name="pack" value="ours.toml">' in page
    assert "1 question(s)" in page


async def test_a_question_added_on_the_page_is_stored_as_the_moderators(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    path = page_of_questions(world.guild.id)
    typed = fields(category="Ours", difficulty="medium", explanation="Hana drew them.")
    status, page = await moderator.post_form(f"{path}/add", typed)
    assert status == 200  # after the redirect to the page
    assert notice_on(page) == "Added question #1 (category ours): Who made our server's emoji?"
    row = await dashboard.database.fetchone("SELECT * FROM trivia_questions")
    assert (row["guild_id"], row["created_by"], row["pack"]) == (
        int(world.guild.id),
        int(world.mod.id),
        None,
    )
    assert (row["category"], row["difficulty"], row["explanation"]) == (
        "ours",
        "medium",
        "Hana drew them.",
    )
    assert await recorded_changes(dashboard, world.guild.id) == [
        ("question", None, "#1 Who made our server's emoji?", "mod", "dashboard")
    ]


async def test_a_refused_question_lists_every_problem_keeps_what_was_typed_stores_nothing(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    path = page_of_questions(world.guild.id)
    typed = fields(question="x" * 241, wrong2="Min", wrong3="", category="a!b")
    status, page = await moderator.post_form(f"{path}/add", typed)
    assert status == 400
    assert problems_on(page) == [
        "question 1, field question: is 241 characters; at most 240",
        "question 1, field wrong3: is missing",
        "question 1, field category: use letters, digits, spaces or '-' only",
    ]
    assert input_value(page, "category") == "a!b"
    assert input_value(page, "wrong2") == "Min"
    assert await count_in(dashboard, world.guild.id) == 0
    # A shipped question is here already, as /trivia-admin add says.
    shipped = await shipped_question(dashboard)
    status, page = await moderator.post_form(f"{path}/add", fields(question=shipped.upper()))
    assert status == 400
    [refusal] = problems_on(page)
    assert refusal.startswith("This server already has that question, so nothing was added")
    assert await count_in(dashboard, world.guild.id) == 0


async def shipped_question(bot: FanBot) -> str:
    text: str = bot.get_cog("Trivia").builtin[0].question
    return text


async def test_what_a_moderator_typed_is_shown_escaped(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    path = page_of_questions(world.guild.id)
    script = "<script>alert(1)</script>"
    status, page = await moderator.post_form(f"{path}/add", fields(question=script, correct=script))
    assert status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert script not in page
    # ... and in a refused pack kept in the text box, and its problems.
    status, page = await post_pack(moderator, world.guild.id, text=BAD_PACK, action="check")
    assert status == 400
    assert "<b>Black</b>" not in page
    assert "&lt;b&gt;Black&lt;/b&gt;" in page


async def test_a_bad_pack_shows_every_problem_keeps_the_text_and_stores_nothing(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    for action in ("check", "import"):
        status, page = await post_pack(moderator, world.guild.id, text=BAD_PACK, action=action)
        assert status == 400, action
        assert problems_on(page) == BAD_PACK_PROBLEMS
        assert textarea(page, "pack_text") == BAD_PACK  # to be mended on the page
    assert await count_in(dashboard, world.guild.id) == 0


async def test_a_syntax_error_names_its_line_and_the_format_follows_the_text_or_its_name(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    guild = world.guild.id
    status, page = await post_pack(moderator, guild, text='{"questions": [\n  {"question": }]}')
    assert status == 400
    [problem] = problems_on(page)
    assert problem.startswith("line 2: not valid JSON")
    status, page = await post_pack(moderator, guild, text="[[questions]\nquestion = 1")
    [problem] = problems_on(page)
    assert problem.startswith("file: not valid TOML")
    assert "line 1" in problem
    # Named .json, TOML text is read as JSON, as a file of that name would be.
    status, page = await post_pack(moderator, guild, text=GOOD_PACK, name="ours.json")
    [problem] = problems_on(page)
    assert problem.startswith("line 2: not valid JSON")
    status, page = await post_pack(moderator, guild, text="", name="ours.toml")
    assert problems_on(page) == ["Paste a pack or choose a file."]
    assert await count_in(dashboard, guild) == 0


async def test_check_reports_what_an_import_would_store_and_stores_nothing(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    await store_questions(
        dashboard, world.guild.id, [question("Which day is our WEEKLY watch party?")]
    )
    status, page = await post_pack(
        moderator, world.guild.id, text=GOOD_PACK, name="ours.toml", action="check"
    )
    assert status == 200
    assert (
        "Check of ours.toml, nothing stored: an import would store 1 and skip 1 already here."
        in page
    )
    assert "By category: ours 1" in page
    assert "By difficulty: easy 1" in page
    assert "<li>Which colour is our server banner? (ours, easy)</li>" in page
    assert textarea(page, "pack_text") == GOOD_PACK  # ready for Import
    assert input_value(page, "pack_name") == "ours.toml"
    assert await count_in(dashboard, world.guild.id) == 1


async def test_import_stores_the_pack_under_its_name_and_says_how_many(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    await store_questions(
        dashboard, world.guild.id, [question("Which day is our weekly watch party?")]
    )
    status, page = await post_pack(moderator, world.guild.id, text=GOOD_PACK, name="ours.toml")
    assert status == 200
    assert notice_on(page) == "Imported ours.toml: stored 1, skipped 1 already here."
    rows = await dashboard.database.fetchall(
        "SELECT question, pack, created_by FROM trivia_questions WHERE pack IS NOT NULL"
    )
    assert [(r["question"], r["pack"], r["created_by"]) for r in rows] == [
        ("Which colour is our server banner?", "ours.toml", int(world.mod.id))
    ]
    status, page = await post_pack(moderator, world.guild.id, text=GOOD_PACK, name="ours.toml")
    assert notice_on(page) == (
        "Nothing new in ours.toml: all 2 question(s) are already here, so nothing was stored."
    )
    # Pasted without a name, JSON by its look.
    pack = {
        "questions": [
            {"question": "Q?", "correct": "a", "wrong1": "b", "wrong2": "c", "wrong3": "d"}
        ]
    }
    status, page = await post_pack(moderator, world.guild.id, text=json.dumps(pack))
    assert notice_on(page) == "Imported pasted.json: stored 1, skipped 0 already here."
    # Each import that stored something is in the server's history; the one that stored
    # nothing is not.
    assert await recorded_changes(dashboard, world.guild.id) == [
        ("question_pack", None, "ours.toml (1)", "mod", "dashboard"),
        ("question_pack", None, "pasted.json (1)", "mod", "dashboard"),
    ]


async def test_a_chosen_file_is_read_as_the_command_reads_an_attachment(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    guild = world.guild.id
    status, page = await post_pack(moderator, guild, file=("bad.toml", BAD_PACK.encode()))
    assert status == 400
    assert problems_on(page) == BAD_PACK_PROBLEMS
    # The file's text and name fill the form, to be mended and sent again.
    assert textarea(page, "pack_text") == BAD_PACK
    assert input_value(page, "pack_name") == "bad.toml"
    status, page = await post_pack(moderator, guild, file=("ours.txt", GOOD_PACK.encode()))
    [problem] = problems_on(page)
    assert problem.startswith("`ours.txt` is neither .toml nor .json.")
    status, page = await post_pack(moderator, guild, file=("ours.toml", b"\xff\xfe\x00"))
    assert problems_on(page) == [
        "That file is not UTF-8 text. Save it as UTF-8 and upload it again."
    ]
    big = b"# " + b"x" * PACK_MAX_BYTES
    status, page = await post_pack(moderator, guild, file=("big.toml", big))
    [problem] = problems_on(page)
    assert problem.startswith("That file is 256 KiB; packs can be at most 256 KiB.")
    assert await count_in(dashboard, guild) == 0
    status, page = await post_pack(moderator, guild, file=("ours.toml", GOOD_PACK.encode()))
    assert notice_on(page) == "Imported ours.toml: stored 2, skipped 0 already here."


async def test_an_import_past_the_servers_limit_is_refused_as_the_command_words_it(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    many = [question(f"Ours {n}?") for n in range(GUILD_MAX_QUESTIONS - 1)]
    await store_questions(dashboard, world.guild.id, many)
    status, page = await post_pack(moderator, world.guild.id, text=GOOD_PACK)
    assert status == 400
    assert problems_on(page) == [
        "This server has 1999 questions of its own; adding 2 would pass the limit of 2000. "
        "Remove some first."
    ]
    assert await count_in(dashboard, world.guild.id) == GUILD_MAX_QUESTIONS - 1


async def test_remove_takes_this_servers_question_and_never_another_servers(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    path = page_of_questions(world.guild.id)
    [ours] = await store_questions(dashboard, world.guild.id, [question("Ours?")])
    [theirs] = await store_questions(dashboard, other_guild.id, [question("Theirs?")])
    for edited in (str(theirs), "abc", "-1", ""):
        status, page = await moderator.post_form(f"{path}/remove", {"id": edited})
        assert status == 400, edited
        [problem] = problems_on(page)
        assert problem.startswith("This server has no question #"), problem
    assert await count_in(dashboard, other_guild.id) == 1
    # Nor through the other server's own URL, where mod is a plain member.
    other_path = page_of_questions(other_guild.id)
    status, _ = await moderator.post_form(
        f"{other_path}/remove", {"id": str(theirs)}, token_from=path
    )
    assert status == 403
    assert await count_in(dashboard, other_guild.id) == 1
    status, _ = await moderator.get(other_path)
    assert status == 403
    status, page = await moderator.post_form(f"{path}/remove", {"id": str(ours)})
    assert status == 200
    assert notice_on(page) == f"Question #{ours} is removed."
    assert await count_in(dashboard, world.guild.id) == 0
    assert await recorded_changes(dashboard, world.guild.id) == [
        ("question", f"#{ours}", None, "mod", "dashboard")
    ]


async def test_remove_pack_takes_this_servers_pack_and_never_another_servers(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    path = page_of_questions(world.guild.id)
    two = [question("One?"), question("Two?")]
    await store_questions(dashboard, world.guild.id, two, "ours.toml")
    await store_questions(dashboard, other_guild.id, [question("Theirs?")], "theirs.toml")
    status, page = await moderator.post_form(f"{path}/remove-pack", {"pack": "theirs.toml"})
    assert status == 400
    assert problems_on(page) == [
        "This server has no imported pack `theirs.toml`. Pick one from the list."
    ]
    assert await count_in(dashboard, other_guild.id) == 1
    status, page = await moderator.post_form(f"{path}/remove-pack", {"pack": "OURS.toml"})
    assert status == 200
    assert notice_on(page) == "Removed the 2 question(s) imported from ours.toml."
    assert await count_in(dashboard, world.guild.id) == 0
    assert await TriviaStore(dashboard.database).packs(world.guild.id) == []
    assert await recorded_changes(dashboard, world.guild.id) == [
        ("question_pack", "ours.toml (2)", None, "mod", "dashboard")
    ]


async def test_the_page_and_its_problems_in_korean(dashboard: FanBot, world: DemoWorld) -> None:
    async with dashboard_client(dashboard, language="ko-KR,ko;q=0.9") as browser:
        browser.sign_in(world.mod.id, "mod", [world.guild.id])
        status, page = await browser.get(page_of_questions(world.guild.id))
        assert status == 200
        assert "이 서버의 문제" in page
        assert "팩 가져오기" in page
        status, page = await post_pack(browser, world.guild.id, text=BAD_PACK, action="check")
        assert status == 400
        assert "아무것도 저장하지 않았어요" in page
        problems = problems_on(page)
        assert problems[0] == "2번 문제, wrong3 항목: 빠져 있어요"
        assert problems[3] == "3번 문제: 1번 문제와 글자 그대로 같아요"
        status, page = await post_pack(browser, world.guild.id, text=GOOD_PACK, name="ours.toml")
        assert notice_on(page) == (
            "ours.toml을(를) 가져왔어요: 2개를 저장했고, 이미 있는 0개는 건너뛰었어요."
        )


async def test_the_bot_plays_a_pack_imported_on_the_page(
    emu: Emulator, dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    pack = GOOD_PACK.replace('category = "ours"', 'category = "watch party"')
    _, page = await post_pack(moderator, world.guild.id, text=pack, name="ours.toml")
    assert notice_on(page) == "Imported ours.toml: stored 2, skipped 0 already here."
    asked = []
    cog = dashboard.get_cog("Trivia")
    for _ in range(2):
        started = await emu.slash(
            world.guild, "trivia", "uaena", "trivia play", {"category": "watch party"}
        )
        assert not started.ephemeral, started.content
        asked.append(started.message.text())
        await eventually(lambda: cog.rounds)
        [trivia_round] = list(cog.rounds.values())
        await cog.close_round(trivia_round.round_id)
    text = "\n".join(asked)
    assert "Which colour is our server banner?" in text
    assert "Which day is our weekly watch party?" in text
