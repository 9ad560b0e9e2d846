"""Plan codes ("MAPLE-417": read aloud in a meeting) and access keys (only their hash is kept)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# Short, common, unambiguous words: a code such as "MAPLE-417" can be read aloud in a meeting.
CODE_WORDS = (
    "ACORN",
    "AMBER",
    "APPLE",
    "ASPEN",
    "BADGE",
    "BEACON",
    "BIRCH",
    "BISON",
    "BRAVO",
    "BROOK",
    "CABIN",
    "CANOE",
    "CEDAR",
    "CHALK",
    "CLOVER",
    "COMET",
    "CORAL",
    "CRANE",
    "DAISY",
    "DELTA",
    "EAGLE",
    "EMBER",
    "FALCON",
    "FERN",
    "FIELD",
    "FLINT",
    "FOREST",
    "GARDEN",
    "GLOBE",
    "HARBOR",
    "HAWK",
    "HAZEL",
    "HERON",
    "HONEY",
    "IVORY",
    "JASPER",
    "JUNIPER",
    "KITE",
    "LAKE",
    "LANTERN",
    "LARK",
    "LEMON",
    "LILAC",
    "LINDEN",
    "MAPLE",
    "MEADOW",
    "MESA",
    "MOON",
    "NORTH",
    "OAK",
    "OCEAN",
    "OLIVE",
    "ORBIT",
    "OTTER",
    "PEARL",
    "PINE",
    "PLANET",
    "POPPY",
    "PRAIRIE",
    "QUARTZ",
    "RAVEN",
    "RIVER",
    "ROBIN",
    "SAGE",
    "SIERRA",
    "SPRUCE",
    "STONE",
    "SUMMIT",
    "SUNNY",
    "TIGER",
    "TULIP",
    "VALLEY",
    "VIOLET",
    "WILLOW",
    "WREN",
    "ZEPHYR",
)


class NoFreeCode(RuntimeError):
    """Every code tried was taken: the plan was not created."""


# A code's digits grow before the codes of their length are crowded: with at most one in
# CROWDED of a length's codes in use, a random code is free at least nine times in ten.
CROWDED = 10
CODE_ATTEMPTS = 25  # each free with odds of nine in ten or better: failing all is a real fault
MIN_CODE_DIGITS, MAX_CODE_DIGITS = 3, 6


def code_digits(plans_so_far: int) -> int:
    """How many digits new codes take: three (68,400 codes) until a tenth of those are in use,
    then four, and so on."""
    digits = MIN_CODE_DIGITS
    while digits < MAX_CODE_DIGITS and plans_so_far * CROWDED >= len(CODE_WORDS) * 9 * 10 ** (digits - 1):
        digits += 1
    return digits


def new_code(digits: int = MIN_CODE_DIGITS) -> str:
    low = 10 ** (digits - 1)
    return f"{secrets.choice(CODE_WORDS)}-{low + secrets.randbelow(9 * low)}"


def new_access_key() -> str:
    return secrets.token_urlsafe(9)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


# A plan made in a chat gets its key from the channel that shows it (bot/web/channel.py), so
# the key never passes through Rasa's conversation store. Until then it has none: no key matches.
NO_KEY_YET = ""


def key_matches(stored_hash: str, key: str | None) -> bool:
    """Whether `key` is the key whose hash is stored (a plan without a key yet matches none)."""
    return bool(key) and stored_hash != NO_KEY_YET and hmac.compare_digest(stored_hash, key_hash(key or ""))


def normalize_code(raw: str) -> str:
    """'maple 417', 'Maple417' and ' MAPLE-417 ' all name the same plan."""
    letters = "".join(ch for ch in raw if ch.isalpha()).upper()
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"{letters}-{digits}" if letters and digits else raw.strip().upper()


# "ZEBRA-999" has a code's shape, typo or not; without the hyphen ("maple 417") only a code word
# counts, so "resume our 2025 plan" names no plan.
_DIGITS = r"(\d{%d,%d})\b" % (MIN_CODE_DIGITS, MAX_CODE_DIGITS)
_CODE_IN_TEXT = re.compile(rf"\b(?:([A-Za-z]{{3,10}})-{_DIGITS}|({'|'.join(CODE_WORDS)}) ?{_DIGITS})", re.IGNORECASE)


def find_code(text: str) -> str | None:
    """The plan code in a message such as 'resume plan maple 417', if there is one."""
    match = _CODE_IN_TEXT.search(text)
    if match is None:
        return None
    word, digits = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{word.upper()}-{digits}"
