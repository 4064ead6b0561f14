"""Cue words read around a figure or a year: what makes it a target, an estimate, a growth rate or an event."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from tracker.catalog import compile_folded, requirement_test


TARGET_CUE_RE = compile_folded(
    r"(?=[abcgioprstvw])\b(?:aims?|aiming|aimed|targets?|targeting|targeted|goals?|plans?\s+to|planned|planning\s+to|"
    r"seeks?\s+to|seeking\s+to|pledged?|pledges|vows?|vowed|intends?\s+to|ambitions?|objectives?|"
    r"strives?\s+to|calls?\s+for|wants?|blueprint|roadmap|(?:scheduled|slated)\s+to|would\s+(?:invest|spend|build|launch|allocate|deploy)|will\s+(?:raise|increase|boost|expand|reach|cut|"
    r"achieve|build|launch|invest|spend|allocate|add|deploy|double|triple)|is\s+to\s+(?:reach|raise|increase))\b",
)
ESTIMATE_CUE_RE = compile_folded(
    r"(?=[acefolmpsw])(?<!than\s)\b(?:expected|expects?|projected|projections?|projects?\s+(?:that|to)|forecasts?|forecasted|"
    r"predicted|predicts?|predictions?|anticipated|anticipates?|estimated?|estimates|could|would|"
    r"may\s+(?:reach|hit|exceed|grow|rise)|might|likely|set\s+to|on\s+track\s+to|poised\s+to|outlook|"
    r"scenario)\b",
)
HEDGE_RE = compile_folded(r"\b(?:at\s+least|perhaps|probably|maybe|roughly|around|about|some)\s+$")
# What any match holds ("least" or "perhaps" or ...): a window holding none of it is not scanned (speed).
HEDGE_REQUIRED = requirement_test(HEDGE_RE.pattern, min_run=2) or (lambda _: True)
FUTURE_CUE_RE = compile_folded(
    r"\b(?:will|shall|plans?\s+to|planned\s+to|scheduled|slated|set\s+to|to\s+be\s+(?:launched|completed|built))\b",
)
# "maiden flight", "first crewed test flight", "inaugural commercial voyage": a debut, its modifiers within
# one clause (no comma, no figure) and never a span of time ("the first quarter saw flight bookings rise").
_FIRST_OUTING = (
    r"(?:maiden|first|inaugural)\s+"
    r"(?:(?!(?:of|and|or|the|a|an|in|on|to|by|for|with|quarter|half|year|month|week|day|time|decade)\b)[a-z-]+\s+){0,3}"
    r"(?:flights?|launch|voyage|test)"
)
EVENT_CUE_RE = compile_folded(
    r"\b(?:launch(?:ed|es)?|establish(?:ed|ment)|found(?:ed|ing)|complet(?:ed|ion)|approv(?:ed|al)|"
    r"announc(?:ed|ements?)|released?|publish(?:ed)?|unveil(?:ed)?|introduc(?:ed|tion)|began|started|"
    r"opened|delivered|signed|passed|adopted|enacted|issued|achieved|became|set\s+up|cut\s+off|"
    r"imposed|banned|blacklisted|added|entered|joined|debuted|deployed|built|created|formed|proposed|"
    r"inaugurated|certified|landed|docked|first\s+time|went\s+into|came\s+into|took\s+effect|"
    r"rolled\s+out|commissioned|broke\s+ground|demonstrated|sanctioned|restricted|acquired|merged|"
    r"surpassed|overtook|implemented|ratified|held|hosted|flew|returned|tested|succeeded|"
    r"received|obtained|won|secured|granted|awarded|"
    rf"{_FIRST_OUTING}|"
    r"entered\s+service|went\s+live|put\s+into\s+(?:operation|service))\b",
)
GROWTH_AFTER_RE = compile_folded(
    r"\s*(?:\)\s*)?(?:year[- ]on[- ]year\s+|annual\s+|yearly\s+)?(?:increase|rise|growth|jump|gain|hike|rebound|"
    r"(?P<decline_after>decline|drop|fall|decrease|cut|reduction|contraction|lower|less)|year[- ]on[- ]year|"
    r"from\s+(?:a|the)\s+(?:year|previous)|more\s+than\s+(?:a\s+year|the\s+previous|in\s+(?:19|20)\d\d|last\s+year)|"
    r"higher\s+than\s+(?:a\s+year|the\s+previous|in\s+(?:19|20)\d\d|last\s+year))",
)
# "made up 6.6%" is a share, not a rise: "up" counts only when no form of "make" stands before it.
GROWTH_BEFORE_RE = compile_folded(
    r"\b(?:grew|grow|grows|growing|grown|rose|rise|rises|rising|risen|increased|increases|increasing|jumped|jumping|"
    r"climbed|climbing|surged|surging|soared|soaring|expanded|expanding|rebounded|"
    r"(?<!made\s)(?<!make\s)(?<!makes\s)up|growth\s+of|increase\s+of|rise\s+of|rebound\s+of|"
    r"(?P<decline_before>fell|fallen|falling|declined|declining|dropped|dropping|decreased|decreasing|down|shrank|shrunk|shrinking|"
    r"contracted|slumped|plunged|slid|slipped|tumbled|a\s+(?:decline|drop|fall|decrease|contraction)\s+of))"
    r"(?:\s+(?:by|at))?\s+$",
)
# Modal and infinitive cues govern the figure after them, never one before.
FORWARD_CUE_RE = re.compile(
    r"(?:would|could|might|may|will|likely|set|poised|on|wants?|aims?|aiming|plans?|seeks?|intends?|strives?|"
    r"expects?|is\s+to|scheduled|slated)\b"
)


def _cues(
    pattern: re.Pattern[str], folded: str, required: Callable[[str], bool] | None = None
) -> tuple[tuple[int, int, bool], ...]:
    """Every match of a cue pattern: (start, end, governs only what follows). `required` is the pattern's
    substring test (see cue_requirement): failing it, the sentence holds no cue word and is not scanned."""
    if required is not None and not required(folded):
        return ()
    return tuple((*cue.span(), _is_forward_cue(cue.group())) for cue in pattern.finditer(folded))


def cue_requirement(pattern: re.Pattern[str]) -> Callable[[str], bool] | None:
    """The substring test every match of a cue pattern passes ("aim" or "target" or ...), or None."""
    return requirement_test(pattern.pattern, min_run=2)


# Most sentences hold none of these words: a few substring tests instead of a scan (speed).
TARGET_CUE_REQUIRED = cue_requirement(TARGET_CUE_RE)
ESTIMATE_CUE_REQUIRED = cue_requirement(ESTIMATE_CUE_RE)


@lru_cache(maxsize=1024)
def _is_forward_cue(cue: str) -> bool:
    """Whether a cue word ("would", "plans to") governs only what follows it; cached per cue wording."""
    return FORWARD_CUE_RE.match(cue) is not None
