"""API keys and the admin token comparison."""

import hashlib

from app.security import admin_token_matches, generate_api_key, hash_api_key


def test_api_keys_are_random_and_prefixed() -> None:
    keys = {generate_api_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(key.startswith("lk_") and len(key) == 46 for key in keys)


def test_api_key_hash_is_sha256_hex() -> None:
    assert hash_api_key("lk_x") == hashlib.sha256(b"lk_x").hexdigest()


def test_admin_token_comparison() -> None:
    assert admin_token_matches("token", "token")
    assert not admin_token_matches("token ", "token")
    assert not admin_token_matches("tökén", "token")
