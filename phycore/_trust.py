"""Sign the cache files phycore unpickles, so a dataset folder cannot smuggle in code.

Pickles under ``<data>/.phy/`` (the memcache, joblib's disk cache) are loaded back
with ``pickle``, which runs code. A dataset received from someone else could carry
crafted ones. phycore therefore signs what it writes with HMAC-SHA256 and a random
key kept in the user folder (``user_dir()/cache-key``, mode 0600), and loads only
what carries a valid signature: a foreign cache is ignored and rebuilt.

Private module of the bottom layer.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets

from phycore.paths import user_dir

__all__ = ["user_key", "sign", "verify"]

logger = logging.getLogger(__name__)

_KEY_FILE = "cache-key"
_KEY_SIZE = 32


def user_key() -> bytes | None:
    """Return the user's signing key, creating it on first use.

    Returns
    -------
    bytes or None
        32 random bytes; None when the key can be neither read nor created (then
        nothing is trusted and the caller must not load signed files).
    """
    path = user_dir() / _KEY_FILE
    for _ in range(2):
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("Cannot read the cache key %s: %s", path, exc)
            return None
        else:
            if len(key) == _KEY_SIZE:
                return key
            logger.warning("The cache key %s is damaged: a new one is created.", path)
            with contextlib.suppress(OSError):
                path.unlink()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            continue  # another process created it: read theirs
        except OSError as exc:
            logger.warning("Cannot create the cache key %s: %s", path, exc)
            return None
        key = secrets.token_bytes(_KEY_SIZE)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        return key
    return None  # pragma: no cover - only if the file keeps vanishing


def sign(key: bytes, data: bytes) -> bytes:
    """Return the 32-byte HMAC-SHA256 of ``data`` under ``key``."""
    return hmac.new(key, data, hashlib.sha256).digest()


def verify(key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the signature of ``data`` (constant-time comparison)."""
    return hmac.compare_digest(sign(key, data), signature)
