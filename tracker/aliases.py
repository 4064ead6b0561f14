"""Indicator merges a user made (`tracker alias FROM TO [--subject S]`), as plain values.

The warehouse applies them at read time (the view `indicator_alias_map`); this module holds the
same resolution rule in Python so that a new merge can be checked before it is stored: one
key never merges into itself, and no chain of merges may lead back to where it started.

The rule, for one record's (key, subject): take the subject's own alias of the key if there is
one, else the general alias (subject null), and repeat from the key it leads to until no alias
applies. Chains resolve (a -> b, b -> c reads a as c); cycles are refused when created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

KEY_RE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Alias:
    """One merge: records extracted as from_indicator read as to_indicator (for subject, or every subject)."""

    from_indicator: str
    to_indicator: str
    subject: str | None = None  # None: every subject
    created_at: datetime | None = None
    created_by: str | None = None
    note: str | None = None

    @property
    def scope(self) -> tuple[str, str | None]:
        """What one alias row is unique on."""
        return (self.from_indicator, self.subject)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class AliasRefused(Exception):
    """A merge that cannot be made as asked; `reason` is a stable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{message} ({reason})")
        self.reason = reason
        self.message = message


def step(aliases: list[Alias], key: str, subject: str | None) -> str | None:
    """The key one alias leads to for this subject: the subject's own alias wins over a general one."""
    general = None
    for alias in aliases:
        if alias.from_indicator != key:
            continue
        if subject is not None and alias.subject == subject:
            return alias.to_indicator
        if alias.subject is None:
            general = alias.to_indicator
    return general


def resolve(aliases: list[Alias], key: str, subject: str | None) -> str:
    """The key a record (key, subject) reads as once every merge is applied."""
    seen = {key}
    while (target := step(aliases, key, subject)) is not None:
        if target in seen:  # a stored cycle (only a hand-edited table has one): stop where it closes
            return key
        seen.add(target)
        key = target
    return key


def find_cycle(aliases: list[Alias]) -> list[str] | None:
    """A chain of merges that leads back to its start, for any subject, or None."""
    subjects = sorted({a.subject for a in aliases if a.subject is not None}) + [None]
    for subject in subjects:
        for start in sorted({a.from_indicator for a in aliases}):
            chain = [start]
            key = start
            while (key := step(aliases, key, subject)) is not None:
                if key in chain:
                    return chain[chain.index(key):] + [key]
                chain.append(key)
    return None


def check_alias_keys(new: Alias) -> None:
    """Raises AliasRefused for a malformed key or a key merged into itself."""
    for key in (new.from_indicator, new.to_indicator):
        if not KEY_RE.fullmatch(key):
            raise AliasRefused("invalid_key", f"{key!r} is not an indicator key: use snake_case, e.g. rd_intensity")
    if new.from_indicator == new.to_indicator:
        raise AliasRefused("same_indicator", f"cannot merge {new.from_indicator} into itself: FROM and TO are the same")


def check_new_alias(existing: list[Alias], new: Alias) -> list[Alias]:
    """The aliases as they stand once `new` is added (replacing an alias of the same key and
    subject); raises AliasRefused for a malformed key, a self-merge or a cycle."""
    check_alias_keys(new)
    proposed = [a for a in existing if a.scope != new.scope] + [new]
    cycle = find_cycle(proposed)
    if cycle is not None:
        where = f" for {new.subject}" if new.subject else ""
        raise AliasRefused("alias_cycle", f"merging {new.from_indicator} into {new.to_indicator}{where} would make "
                                          f"a cycle: {' -> '.join(cycle)}; remove one of these aliases first")
    return proposed
