"""How long each kind of text a person writes may be: one set, read by every entrance.

The bundle's models (bundle/schema.py), which the API's bodies, the pages' forms and the
problem list's cells are read with, and the rectification loop's checks take their limits
from here, so a text refused through one entrance is refused through all of them in the
same words. The limits leave room for what a clerk writes (a finding's description is a
paragraph, a reason a few sentences) and stop what no clerk writes (a pasted file).
"""

from __future__ import annotations

NAME_MAX = 100  # a unit's or a group's name
DESCRIPTION_MAX = 2000  # a finding's description
NOTE_MAX = 2000  # an event's note: what a look-back found, what was rectified
REASON_MAX = 1000  # why: an extension's reason, a decision's reason
REPORT_MAX = 4000  # a rectification report's text: the measures taken
# A rectification letter's number in its year (市督查〔2018〕N号): an office sends some
# hundreds of letters a year; a number past this is a slip of the keyboard.
LETTER_NUMBER_MAX = 9999
