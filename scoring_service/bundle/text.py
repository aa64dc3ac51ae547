"""Text that XML can hold: every record's free text and names, checked where a record is
written and stripped where a document or workbook is written.

XML 1.0 cannot hold C0 control characters other than tab, newline and carriage return,
lone surrogates, U+FFFE or U+FFFF. A workbook (XLSX) and a Word document are XML, so one
such character in a description would make every workbook and document holding it fail:
each entrance (a bundle, an API body, a page's form, an uploaded problem list) refuses it
through the bundle's models, which use ``XmlText`` for every text and code.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from scoring_service.i18n import gettext

# NUL is left to the NUL checks every entrance already runs first ("must not hold a NUL
# character"), so that a NUL is reported once, in the same words as before.
_REFUSED = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a document or workbook drops: the same, and NUL.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: str) -> str:
    """``value`` when XML can hold it; otherwise a refusal naming the first character at
    fault by its position (counted from 1) and its code point."""
    found = _REFUSED.search(value)
    if found is None:
        return value
    position = found.start() + 1
    char = f"U+{ord(found.group()):04X}"
    raise PydanticCustomError(
        "xml_character",
        # Translated here, in the language of the request or command: every entrance shows
        # pydantic's message as it is (the bundle's problems, the API's, a form's).
        gettext(
            "character %(position)s (%(char)s) cannot be used in text",
            position=position,
            char=char,
        ),
        {"position": position, "char": char},
    )


def strip_not_xml(value: Any) -> Any:
    """``value`` without the characters XML cannot hold, when it is text (data stored
    before they were refused still makes a workbook or a document)."""
    return NOT_XML.sub("", value) if isinstance(value, str) else value


XmlSafe = AfterValidator(xml_safe)
XmlText = Annotated[str, XmlSafe]
