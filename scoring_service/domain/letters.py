"""The rectification letter's timeliness: issued within the work plan's days of the
inspection's end (the number is the rule set's ``alerts.letter_days``), as the
``late_letter`` alert reads it (``alerts.process_alerts``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class LetterStatus(StrEnum):
    ON_TIME = "on_time"  # issued within the days allowed
    LATE = "late"  # issued after them
    MISSING = "missing"  # not issued, and the days allowed are over
    PENDING = "pending"  # not issued yet, still within the days allowed
    NOT_ENDED = "not_ended"  # the inspection had not ended at the date asked about


@dataclass(frozen=True, slots=True)
class LetterCheck:
    status: LetterStatus
    due: date  # the last day the letter may go out
    days: int | None  # days from the inspection's end to the letter (None: no letter)
    allowed: int


def check_letter(
    end_date: date, letter_date: date | None, allowed: int, as_of: date
) -> LetterCheck:
    """The letter of an inspection ending ``end_date`` as known on ``as_of``: a letter
    dated later is not known yet, as in the alerts."""
    due = end_date + timedelta(days=allowed)
    letter = letter_date if letter_date is not None and letter_date <= as_of else None
    days = (letter - end_date).days if letter is not None else None
    if days is not None:
        status = LetterStatus.LATE if days > allowed else LetterStatus.ON_TIME
    elif end_date > as_of:
        status = LetterStatus.NOT_ENDED
    else:
        status = LetterStatus.MISSING if as_of > due else LetterStatus.PENDING
    return LetterCheck(status, due, days, allowed)
