"""The emulator's parts without a server: transport encoding, payload limits, the redirect."""

from __future__ import annotations

import json
import zlib

import discord
import pytest

from discord_emulator import ApiError
from discord_emulator.gateway import make_encoder
from discord_emulator.redirect import reset_api_base, use_api_base
from discord_emulator.validation import check_message

# -- transport compression --------------------------------------------------------------------


def test_active_compression_decodes_with_discordpy() -> None:
    """Whatever discord.py asks for (zlib-stream or zstd-stream), its own decoder reads ours."""
    context_type = discord.utils._ActiveDecompressionContext
    encoder = make_encoder(context_type.COMPRESSION_TYPE)
    decoder = context_type()
    for n in range(3):
        text = json.dumps({"op": 0, "s": n, "d": {"content": "Love wins all" * (n + 1)}})
        assert decoder.decompress(encoder.encode(text)) == text


def test_zlib_stream_is_sync_flushed() -> None:
    encoder = make_encoder("zlib-stream")
    inflate = zlib.decompressobj()
    for text in ('{"op":10}', '{"op":11}'):
        frame = encoder.encode(text)
        assert isinstance(frame, bytes)
        assert frame.endswith(b"\x00\x00\xff\xff")
        assert inflate.decompress(frame).decode() == text


def test_unknown_compression_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        make_encoder("brotli")
    assert make_encoder(None).encode("{}") == "{}"


# -- raw gateway protocol ----------------------------------------------------------------------


# -- payload limits --------------------------------------------------------------------------


def test_embed_limits_name_the_field() -> None:
    payload = {"embeds": [{"title": "t", "fields": [{"name": "n", "value": "v" * 1025}]}]}
    with pytest.raises(ApiError) as info:
        check_message(payload, has_files=False, creating=True)
    assert info.value.code == 50035
    assert info.value.errors == {
        "embeds": {
            "0": {
                "fields": {
                    "0": {
                        "value": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 1024 or fewer in length.",
                                }
                            ]
                        }
                    }
                }
            }
        }
    }
    with pytest.raises(ApiError, match="empty message"):
        check_message({"content": ""}, has_files=False, creating=True)


def test_use_api_base_is_idempotent_and_reversible() -> None:
    original_base = discord.http.Route.BASE
    original_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        for _ in range(2):
            use_api_base("http://127.0.0.1:8765/")
            assert discord.http.Route.BASE == "http://127.0.0.1:8765/api/v10"
            assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == (
                "ws://127.0.0.1:8765/gateway"
            )
        route = discord.http.Route("GET", "/users/@me")
        assert route.url == "http://127.0.0.1:8765/api/v10/users/@me"
        with pytest.raises(ValueError, match="http"):
            use_api_base("127.0.0.1:8765")
    finally:
        reset_api_base()
    assert original_base == discord.http.Route.BASE
    assert original_gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
