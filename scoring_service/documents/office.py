"""The issuing office as the documents name it: the settings ``SCORING_ISSUER``,
``SCORING_DOC_PREFIX`` and ``SCORING_DOC_CONTACT``, read where a document is filled (like
the template time limit), so that every entrance prints the same office."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Office:
    issuer: str  # 发文机关
    prefix: str  # 机关代字
    contact: str  # 联系人及电话, or empty

    def fields(self) -> dict[str, Any]:
        """The templates' fields naming the office."""
        return {"issuer": self.issuer, "doc_prefix": self.prefix, "contact": self.contact}


def office() -> Office:
    """The configured office."""
    from scoring_service.config import Settings

    settings = Settings.from_env()
    return Office(settings.issuer, settings.doc_prefix, settings.doc_contact)
