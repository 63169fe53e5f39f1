"""The callback-data codec: compact, versioned, at most 64 bytes, decoded in one place.

Callback data is untrusted input: anything malformed, from an older version, or naming
something that no longer exists must decode to None or be re-checked by the handler.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64
INT_MAX = 2**31 - 1

_INT = re.compile(r"^(0|[1-9][0-9]{0,9})$")
_FIELDS = {
    "int": _INT,
    "region": re.compile(r"^[0-9]{2}\.[0-9]{2}$"),
    "province": re.compile(r"^[0-9]{2}$"),
    "nonce": re.compile(r"^[0-9a-f]{16}$"),
    "lang": re.compile(r"^(id|en)$"),
    "yesno": re.compile(r"^(yes|no)$"),
    "stars": re.compile(r"^[1-5]$"),
    "status": re.compile(r"^(diproses|selesai)$"),
    "mark": re.compile(r"^(spam|abusive|none)$"),
    "scope": re.compile(r"^(r[0-9]{2}\.[0-9]{2}|p[0-9]{2}|all)$"),
    "period": re.compile(r"^(7|30|0|x)$"),  # x: not chosen yet
    "bcstep": re.compile(r"^(all|nophoto|urgent|send|drop)$"),
    "pstatus": re.compile(r"^(direncanakan|berjalan|selesai)$"),
    "notifyto": re.compile(r"^(program|region|none)$"),
    "dimension": re.compile(r"^(governance|branding|economy|living|society|environment)$"),
    "evstep": re.compile(r"^(photo|loc|skip)$"),
    "coord": re.compile(r"^-?[0-9]{1,3}\.[0-9]{5}$"),  # a latitude or longitude to 5 decimals (about a metre)
    "skmaud": re.compile(r"^(f|r)$"),
    "fwtarget": re.compile(r"^(region|provinsi|pusat|utilitas|lapor)$"),  # bot.services.forwarding.TARGETS
}

# action -> the kinds of its arguments, in order
ACTIONS: dict[str, tuple[str, ...]] = {
    "lang": ("lang",),            # choose language
    "consent": ("yesno",),        # agree / decline the privacy notice
    "privacy": (),                # the full privacy notice ([Read more] under the short one)
    "provs": ("int",),            # province list, page
    "prov": ("province", "int"),  # regions of a province, page
    "region": ("region",),        # choose this region
    "search": (),                 # ask to type a region name
    "progs": ("int",),            # the resident's region's programs, page
    "prog": ("int", "int"),       # a program; the list page to go back to
    "ask": ("int",),              # show the rating buttons for a program
    "rate": ("int", "stars", "nonce"),  # a rating for a program, from one showing of the buttons
    "skip": ("int",),             # no comment for this feedback
    "trim": ("int",),             # save the first part of a too-long comment
    "ev": ("int", "evstep"),      # after a comment: add a photo / a location to it, or skip
    "evx": ("int", "coord", "coord"),  # keep this exact point as the ticket's location (the resident agreed)
    "evk": ("int",),              # keep the ticket's location at kecamatan precision only
    "mine": ("int",),             # the resident's own feedback, page
    "erase": ("yesno",),          # confirm deleting one's data
    "notify": ("region",),        # tell me when this region gets a program
    "noop": (),                   # page counter buttons
    # officials
    "inbox": ("int",),            # the inbox, page
    "ans": ("int",),              # answer this feedback
    "st": ("int", "status"),      # set this feedback's status
    "close": ("int",),            # mark this feedback done (a note of what was done follows)
    "mod": ("int", "mark"),       # mark this feedback spam / abusive, or remove the mark
    "evp": ("int",),              # send me the photo a resident added to this feedback
    "mute": ("int",),             # admins: mute this feedback's author for 24 hours
    "fwd": ("int",),              # forward this ticket: "bukan kewenangan kami"
    "fwt": ("int", "nonce", "fwtarget"),  # where it goes: another region, or another body (one forwarding)
    "fwr": ("int", "nonce", "region"),    # the other region, from the matches of its typed name
    "fws": ("int", "nonce"),      # no reference number at the other body
    "sum": ("scope", "period"),   # a summary: r<region> / p<province> / all, over 7, 30 or 0 (all) days
    "sumprov": ("province",),     # an admin picks within a province
    # residents, on an answered ticket
    "reply": ("int",),            # reply to an official's answer
    "sat": ("int", "yesno"),      # satisfied with a closed ticket?
    "fup": ("int", "nonce", "yesno"),  # send the kept text as a follow-up on this ticket? (one showing)
    # subscriptions and announcements
    "sub": ("yesno",),            # announcements for my region: yes / no
    "subq": ("yesno",),           # the same, answering the question asked once after choosing the region
    "unsub": (),                  # stop announcements (the button under every announcement)
    "follow": ("int",),           # follow a program
    "unsubp": ("int",),           # stop following a program
    "bc": ("bcstep",),            # composing an announcement: a step
    "bcp": ("province",),         # announcement audience: pick within a province (admins)
    "bcq": ("province",),         # announcement audience: a whole province (admins)
    "bcr": ("region",),           # announcement audience: a region
    "bcg": ("int",),              # announcement audience: followers of a program
    "bcx": ("int",),              # cancel a broadcast
    # catalogue management
    "pm": ("int",),               # manage a program
    "pms": ("int", "pstatus"),    # set its status
    "pmn": ("int", "notifyto"),   # tell its followers / its region's subscribers / nobody
    "pmc": ("int",),              # close it
    "pa": ("region",),            # add a program to this region (then: name, description, area)
    "pad": ("dimension",),        # the new program's smart-city area: creates it
    "pe": ("int",),               # rewrite a program's description
    # surveys (residents)
    "sva": ("int", "int"),        # answer a survey question: its id, the option's index (0–5) or the scale (1–5)
    "svs": ("int",),              # skip a survey question
    "svc": ("int",),              # continue a survey (from /survei): its next unanswered question
    # surveys (officials: /buatsurvei)
    "svn": ("scope",),            # the new survey's audience: r<region> / p<province> / all
    "svg": ("int",),              # the new survey's audience: followers of a program
    "svk": ("yesno",),            # send the new survey, or drop it
    "svr": ("int",),              # a survey's results (its author, admins, the region's officials)
    "sq": (),                     # an SKM for a program (/buatsurvei): choose the program
    "sqp": ("int",),              # the SKM's program: then its audience
    "sqa": ("int", "skmaud"),     # the SKM's audience: f (the program's followers) or r (the region's subscribers)
    "sqk": ("yesno",),            # send the SKM, or drop it
}


@dataclass(frozen=True, slots=True)
class Callback:
    action: str
    args: tuple[str | int, ...]

    def int(self, index: int) -> int:
        value = self.args[index]
        assert isinstance(value, int)
        return value

    def str(self, index: builtins.int) -> builtins.str:
        return builtins.str(self.args[index])


def encode(action: str, *args: str | int) -> str:
    kinds = ACTIONS[action]
    if len(args) != len(kinds):
        raise ValueError(f"{action} takes {len(kinds)} arguments")
    parts = [str(a) for a in args]
    for kind, part in zip(kinds, parts, strict=True):
        if not _FIELDS[kind].fullmatch(part):  # whole: ^…$ lets a trailing newline in
            raise ValueError(f"{action}: {part!r} is not a valid {kind}")
    data = ":".join([VERSION, action, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The callback, or None for anything malformed, forged beyond repair, or from another version."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    version, _, rest = data.partition(":")
    if version != VERSION:
        return None
    action, *parts = rest.split(":") if rest else [""]
    kinds = ACTIONS.get(action)
    if kinds is None or len(parts) != len(kinds):
        return None
    args: list[str | int] = []
    for kind, part in zip(kinds, parts, strict=True):
        if not _FIELDS[kind].fullmatch(part):  # whole: ^…$ lets a trailing newline in
            return None
        if kind == "int" and int(part) > INT_MAX:
            return None  # no id of ours is that large (PostgreSQL would refuse it as an integer)
        args.append(int(part) if kind in ("int", "stars") else part)
    return Callback(action, tuple(args))
