"""The lint of a city's own choices: values that pass validation but that a court, or the
city's attorney, would question. Each finding is a located warning (a
:class:`~smpgen.errors.Problem`) whose message says the risk in one sentence and what to
write instead; the annotated edition prints the same message beside the section it
touches (:func:`section_of`).

The rules are tables, so adding one is a line: :data:`CATEGORY_RULES` for removal
categories, :data:`BLOCKING_RULES` for the blocking standard, :data:`SEPARATE_ROLES` for
officials who must not check their own work. Where the model's sections choose an
official to avoid such a clash (:func:`answerer`, :func:`block_reviewer`), the lint makes
the same choice and warns only when no other official is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import Problem
from .profile import Profile
from .sourcefile import Loc, dotted

# Removal categories ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """A kind of removal category that turns on viewpoint or that staff cannot apply alike."""

    marks: tuple[str, ...]
    """What marks it: a word beginning (``offensiv`` matches offensive, offensively) or,
    with a space, a phrase of whole words."""
    risk: str
    """Why a court may strike it, with the case; completes '"the category" ...'."""
    instead: str
    """What to write instead."""
    unless: tuple[str, ...] = ()
    """Marks whose presence makes the category concrete enough (e.g. ``solicit``)."""


_TAM = "Matal v. Tam, 582 U.S. 218 (2017)"
_BRUNETTI = "Iancu v. Brunetti, 588 U.S. 388 (2019)"
_MANSKY = "Minnesota Voters Alliance v. Mansky, 585 U.S. 1 (2018)"

CATEGORY_RULES: tuple[CategoryRule, ...] = (
    CategoryRule(
        marks=("criticis", "criticiz", "critical of", "negativ", "unfavorab", "unfavourab",
               "complaints about"),
        risk=f"removes a Comment for the view it takes of the City or its staff, the plainest "
             f"kind of viewpoint discrimination in a forum the City has opened ({_TAM})",
        instead="delete the category: criticism of the City is the speech a comment area "
                "exists for"),
    CategoryRule(
        marks=("disparag", "derogat", "demean", "belittl", "insult", "ridicul", "mocking",
               "personal attack", "attacks on"),
        risk=f"removes a Comment for what it says against someone, which the Supreme Court "
             f"has held to be a judgment of viewpoint ({_TAM})",
        instead='where the concern is conduct toward a person, write "harassment aimed at '
                'a specific person" or "true threats of violence against a person"'),
    CategoryRule(
        marks=("hate", "hateful", "bigot", "racis", "sexis", "discriminat", "intoleran",
               "prejudic", "hurtful", "hurt feelings"),
        risk=f"turns on the message a Comment sends about a person or group, which the First "
             f"Amendment protects however hurtful ({_TAM}; {_BRUNETTI})",
        instead='name the conduct the City may reach instead, such as "harassment aimed at '
                'a specific person" or "true threats of violence against a person or group"'),
    CategoryRule(
        marks=("offensiv", "offend", "distasteful", "tasteless", "poor taste", "bad taste",
               "vulgar", "profan", "crude", "rude", "uncivil", "incivil", "disrespect",
               "indecen", "upsetting"),
        risk=f"removes a Comment for the offence it gives, a test the Supreme Court has held "
             f"to discriminate by viewpoint ({_TAM}; {_BRUNETTI})",
        instead='name the unprotected content itself, such as "obscene material" (the legal '
                'test) or "true threats of violence against a person"'),
    CategoryRule(
        marks=("inaccura", "misinform", "disinform", "misleading", "false", "untrue",
               "incorrect", "fake news", "rumor", "rumour"),
        risk="asks staff to judge whether a Comment is true, and false statements are not "
             "as such outside the First Amendment (United States v. Alvarez, 567 U.S. 709 "
             f"(2012)) nor can staff apply such a test alike ({_MANSKY})",
        instead="delete the category and answer an error of fact with a reply that "
                "corrects it",
        unless=("impersonat",)),
    CategoryRule(
        marks=("inappropriat", "not appropriate", "objectionab", "unacceptab", "improper",
               "unsuitab", "undesirab", "discretion"),
        risk="leaves each removal to the judgment of whoever reads the Comment, a standard "
             f"the Supreme Court has held cannot be applied reasonably ({_MANSKY})",
        instead='replace it with the specific content meant, such as "obscene material" '
                'or "commercial advertising, solicitation or spam"'),
    CategoryRule(
        marks=("could compromise", "may compromise", "might compromise", "could endanger",
               "could threaten", "could harm", "could jeopardi", "could affect",
               "public safety", "security of"),
        risk="does not say what a Comment must do to endanger anyone, so two staff members "
             f"would apply it differently ({_MANSKY})",
        instead='write "information that would compromise a named, ongoing investigation '
                'or an immediate safety operation"',
        unless=("ongoing", "immediate", "active")),
    CategoryRule(
        marks=("illegal", "unlawful", "criminal", "crime"),
        risk="reaches any Comment that mentions or defends conduct the law forbids, while "
             "only speech soliciting a specific crime is unprotected (United States v. "
             f"Williams, 553 U.S. 285 (2008)) and a wider test cannot be applied alike "
             f"({_MANSKY})",
        instead='write "solicitation of a specific crime"',
        unless=("solicit",)),
)
"""The rules for removal categories, most specific first; a category gets the first
rule it matches."""


def category_rule(category: str) -> CategoryRule | None:
    """The first rule ``category`` falls under, or None when it is concrete and neutral."""
    words = " " + " ".join(re.findall(r"[a-z]+", category.lower())) + " "
    def marked(mark: str) -> bool:
        return f" {mark} " in words if " " in mark else f" {mark}" in words

    for rule in CATEGORY_RULES:
        if any(marked(m) for m in rule.marks) and not any(marked(m) for m in rule.unless):
            return rule
    return None


def _q(text: str) -> str:
    return f"\u201c{text}\u201d"


def _curly(text: str) -> str:
    """Straight double quotes in a rule's text as curly ones, as the documents print them."""
    return re.sub(r'"([^"]*)"', lambda m: _q(m.group(1)), text)


def _categories(profile: Profile) -> list[Problem]:
    out = []
    for i, category in enumerate(profile.values.get("removal_categories") or []):
        rule = category_rule(category) if isinstance(category, str) else None
        if rule is not None:
            out.append(_problem(profile, ("removal_categories", i),
                                f"the removal category {_q(category)} {_curly(rule.risk)}; "
                                f"{_curly(rule.instead)}."))
    return out


# Retention of tracking forms ---------------------------------------------------------

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_UNITS = {"day": Fraction(12, 365), "week": Fraction(84, 365), "month": Fraction(1),
          "year": Fraction(12)}
_FILLER = {"for", "at", "least", "a", "minimum", "of", "not", "less", "than", "no", "fewer",
           "calendar", "full", "complete", "consecutive", "and"}
_AFTER = {"after", "from", "following", "beyond", "past", "since", "counted"}
_FOREVER = {"permanently", "permanent", "indefinitely", "forever"}
FOREVER = Fraction(10**6)
"""What a permanent retention counts as, in months."""


def period_months(text: str) -> Fraction | None:
    """How long ``text`` ("24 months", "one year", "three calendar years", "seven (7)
    years", "one year and six months") lasts in months; :data:`FOREVER` for "permanently";
    None when it is not a plain period ("until the matter closes")."""
    tokens = re.findall(r"[a-z]+|\d+", text.lower())
    if any(t in _FOREVER for t in tokens):
        return FOREVER
    total, number, found = Fraction(0), None, False
    for token in tokens:
        value = _number(token)
        if value is not None:
            if number is None or number == value:  # "seven (7) years" says it twice
                number = value
            elif number >= 20 and number % 10 == 0 and value < 10:  # "twenty four"
                number += value
            else:
                return None
            continue
        unit = token.removesuffix("s")
        if unit in _UNITS and (number is not None or token == unit):  # "a year"
            total += (1 if number is None else number) * _UNITS[unit]
            number, found = None, True
        elif token in _AFTER and found and number is None:
            break
        elif token not in _FILLER:
            return None
    return total if found and number is None else None


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token in _ONES:
        return _ONES.index(token)
    return _TENS.get(token)


def _retention(profile: Profile) -> list[Problem]:
    records = profile.values.get("records")
    text = records.get("form_retention") if isinstance(records, dict) else None
    law = profile.records_law
    if not isinstance(text, str) or not profile.values["city"]["state"]:
        return []
    loc = ("records", "form_retention")
    months = period_months(text)
    period = _q(law.claims_period if law.claims_years else "six years")
    if months is None:
        return [_problem(profile, loc,
                         f"the retention period {_q(text)} is not a period anyone can count, "
                         "so no one can tell when a removal record may be destroyed; write a "
                         f"plain period such as {period}.")]
    if not law.claims_years or months >= law.claims_years * 12:
        return []
    return [_problem(profile, loc,
                     f"the retention period {_q(text)} is shorter than the "
                     f"{law.claims_period} {law.state_name} allows for bringing a civil-rights "
                     f"claim under 42 U.S.C. \u00a7 1983 ({law.claims_citation}), so the record "
                     "of a removal could be destroyed before a claim about it is barred; write "
                     f"{period}, or the retention schedule\u2019s period if it is longer.")]


# Blocking ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """A part of the blocking standard that is missing or too loose to be a standard."""

    key: str
    """The value under ``blocking``."""
    loose: Callable[[int], bool]
    """True when the number given leaves the standard without a real limit."""
    risk: str
    """Why, completing "the blocking standard's ..."."""
    instead: str
    """What to write instead."""


_TANNER = "Tanner v. Ziegenhorn, No. 4:17-cv-780-DPM (E.D. Ark. Sept. 30, 2021)"

BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(
        "removals", lambda n: n < 2,
        risk="count of removals is {n}, so one removed Comment is enough to block the person "
             "who wrote it, which answers a single Comment by silencing every later one "
             f"({_TANNER})",
        instead="require at least 2 documented removals, and 3 is common"),
    BlockingRule(
        "period_days", lambda n: n > 180,
        risk="period of {n} days counts removals spread over more than six months, so "
             "unrelated Comments far apart add up to a block",
        instead="count removals within 90 days or fewer"),
    BlockingRule(
        "block_days", lambda n: n > 90,
        risk="block of {n} days shuts a person out of a forum the City has opened for a "
             f"season, which looks like a penalty for the person rather than a response to "
             f"conduct ({_TANNER})",
        instead="let a block last 30 days or so, and require the standard to be met again "
                "for another"),
    BlockingRule(
        "review_days", lambda n: n > 30,
        risk="review within {n} days leaves a mistaken or viewpoint-based block in place "
             "for more than a month before anyone checks it",
        instead="review each block within 10 days, and no more than 30"),
)
"""The parts of the blocking standard (the model's ``blocking`` group) and their limits."""


CITY_ATTORNEY = "City Attorney or another attorney advising the City"
"""Who reviews a block when the city names no one else, as the comment rules print it
after "the": an attorney is independent of the official who approves blocks."""

_JUNIOR = ("deputy", "assistant", "associate", "vice", "under")
"""First words of a title that make it junior to the same title without them."""


def block_reviewer(values: dict[str, Any]) -> Any:
    """The official who reviews a block: the block reviewer the city names, unless that
    official also approves blocks; otherwise the City's attorney (:data:`CITY_ATTORNEY`)."""
    named = (values.get("officials") or {}).get("block_reviewer")
    if named and not _same(named, official(values, "block_approver")):
        return named
    return CITY_ATTORNEY


def _junior(title: str, to: str) -> bool:
    """Whether ``title`` reads as a deputy of ``to`` ("Deputy City Manager" of "City
    Manager")."""
    first, _, rest = " ".join(title.casefold().split()).partition(" ")
    return first in _JUNIOR and _same(rest, to)


def _blocking(profile: Profile) -> list[Problem]:
    blocking = profile.values.get("blocking")
    if not isinstance(blocking, dict):
        return []  # a model without a blocking standard
    out = []
    for rule in BLOCKING_RULES:
        number = blocking.get(rule.key)
        loc = ("blocking", rule.key)
        if not isinstance(number, int):
            out.append(_problem(profile, loc,
                                "the blocking standard gives no number here, so no one can "
                                f"tell when a block is allowed; {rule.instead}."))
        elif rule.loose(number):
            out.append(_problem(profile, loc, f"the blocking standard\u2019s "
                                f"{rule.risk.format(n=number)}; {rule.instead}."))
    return [*out, *_block_review(profile)]


def _block_review(profile: Profile) -> list[Problem]:
    """A block reviewer the city named who is the approver, or the approver's deputy."""
    named = (profile.values.get("officials") or {}).get("block_reviewer")
    approver = official(profile.values, "block_approver")
    if not isinstance(named, str) or not isinstance(approver, str):
        return []
    loc = ("officials", "block_reviewer")
    if _same(named, approver):
        return [_problem(profile, loc,
                         f"the {named} is named to review blocks but also approves them, so "
                         "the policy passes over that official and has the "
                         f"{CITY_ATTORNEY} review each block; name an official independent "
                         "of the approver, or leave the line out.")]
    if _junior(named, approver):
        return [_problem(profile, loc,
                         f"the {named} would review blocks approved by the {approver}, an "
                         "official the reviewer answers to, so the review is no independent "
                         "check; leave the line out to have the City\u2019s attorney review "
                         f"blocks, or name an official not junior to the {approver}.")]
    return []


# Officials who would check their own work ----------------------------------------------

FALLBACKS = {"account_approver": "final_authority", "incident_official": "final_authority",
             "block_approver": "final_authority", "reviewer": "final_authority",
             "remover": "coordinator", "media_contact": "coordinator"}
"""The official who acts when a role is left unnamed, as the model's sections print it."""


def official(values: dict[str, Any], role: str) -> Any:
    """The title acting in ``role``: the one named, else the one it falls back to."""
    officials = values.get("officials") or {}
    named = officials.get(role)
    if named or role not in FALLBACKS:
        return named
    return official(values, FALLBACKS[role])


def answerer(values: dict[str, Any]) -> Any:
    """The official who answers a question about a removal: the coordinator, unless the
    coordinator removes Comments; then the reviewer; if the reviewer removes them too,
    the official with final authority."""
    remover = official(values, "remover")
    chosen = official(values, "coordinator")
    if _same(chosen, remover):
        chosen = official(values, "reviewer")
    if _same(chosen, remover):
        chosen = official(values, "final_authority")
    return chosen


def roles(values: dict[str, Any]) -> dict[str, Any]:
    """Who acts in each role the policy's sections print (``roles`` in the template
    context), chosen here once so the policy, its notes, the summary and the lint agree.
    ``block_reviewer`` is None when the City's attorney reviews blocks."""
    reviewer = block_reviewer(values)
    return {"remover": official(values, "remover"), "reviewer": official(values, "reviewer"),
            "answerer": answerer(values), "block_approver": official(values, "block_approver"),
            "block_reviewer": None if reviewer is CITY_ATTORNEY else reviewer}


@dataclass(frozen=True, slots=True)
class SeparateRoles:
    """Two roles one official should not hold, because one checks the other's work."""

    role: str
    """The role whose line the warning names."""
    other: Callable[[dict[str, Any]], Any]
    """The official it must differ from."""
    risk: str
    """Completes "the TITLE ..."."""
    instead: str
    """What to write instead."""
    named_only: bool = False
    """Warn only when the city named the role itself (its fallback is the model's design)."""


SEPARATE_ROLES: tuple[SeparateRoles, ...] = (
    SeparateRoles(
        role="reviewer", other=lambda v: official(v, "final_authority"), named_only=True,
        risk="is named as the reviewer of the City\u2019s use of social media and also "
             "holds final authority over it, so that official would review the "
             "official\u2019s own decisions on accounts and blocks",
        instead="name as reviewer another senior official, who reports to the official "
                "with final authority"),
    SeparateRoles(
        role="reviewer", other=lambda v: official(v, "coordinator"), named_only=True,
        risk="is named as the reviewer and is also the coordinator who runs the accounts "
             "day to day, so that official would review the official\u2019s own work",
        instead="name as reviewer a senior official other than the coordinator"),
    SeparateRoles(
        role="remover", other=answerer,
        risk="would both remove Comments and answer a person who asks why a Comment was "
             "removed, because the coordinator, the reviewer and the official with final "
             "authority are all that official, so the answer would come from the official "
             "whose decision is questioned",
        instead="name a different official as the remover or as the reviewer"),
)
"""Roles one official must not hold together."""


def _roles(profile: Profile) -> list[Problem]:
    out = []
    named = profile.values.get("officials") or {}
    for pair in SEPARATE_ROLES:
        if pair.named_only and not named.get(pair.role):
            continue
        one, other = official(profile.values, pair.role), pair.other(profile.values)
        if isinstance(one, str) and isinstance(other, str) and _same(one, other):
            out.append(_problem(profile, ("officials", pair.role),
                                f"the {one} {pair.risk}; {pair.instead}."))
    return out


def _same(a: Any, b: Any) -> bool:
    return (isinstance(a, str) and isinstance(b, str)
            and " ".join(a.casefold().split()) == " ".join(b.casefold().split()))


# The lint as a whole -------------------------------------------------------------------

SECTIONS: tuple[tuple[str, str], ...] = (
    ("removal_categories", "comment-rules"),
    ("blocking", "comment-rules"),
    ("records.form_retention", "comment-removal"),
    ("officials.reviewer", "monitoring"),
    ("officials.remover", "comment-removal"),
    ("officials.block_approver", "comment-rules"),
    ("officials.block_reviewer", "comment-rules"),
    ("city.state", "records"),
)
"""The section each warning touches, by the start of its field's name."""


def section_of(problem: Problem) -> str | None:
    """The id of the section ``problem`` concerns, or None for the document as a whole."""
    for prefix, section in SECTIONS:
        if problem.field == prefix or problem.field.startswith((prefix + ".", prefix + "[")):
            return section
    return None


def lint(profile: Profile) -> list[Problem]:
    """Every risky choice in ``profile``, each a located warning in line order."""
    found = [*_categories(profile), *_blocking(profile), *_retention(profile),
             *_roles(profile)]
    return sorted(found, key=lambda p: p.line)


def all_warnings(profile: Profile) -> list[Problem]:
    """What loading ``profile`` found to confirm (a citation, a character the PDF cannot
    draw), then its lint."""
    return [*profile.warnings, *lint(profile)]


def _problem(profile: Profile, loc: Loc, message: str) -> Problem:
    return Problem(profile.path, profile.line_of(loc), dotted(loc), message)
