"""API key generation and hashing, and constant-time comparison of the admin token."""

import hashlib
import hmac
import secrets

API_KEY_PREFIX = "lk_"


def generate_api_key() -> str:
    """A new high-entropy API key (256 random bits), shown to its owner once."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    """The stored form of an API key: SHA-256 hex (keys are random, so no salt or KDF is needed)."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def admin_token_matches(presented: str, expected: str) -> bool:
    """Compare a presented admin token with the configured one in constant time."""
    return hmac.compare_digest(presented.encode(), expected.encode())
