"""The rule source services use (``VersionedRuleSource``): published versions in the
database over the shipped files. It reads the database, so it lives in the persistence
package (``db.rule_source``); it stays importable from here."""

from __future__ import annotations

from scoring_service.db.rule_source import StoredVersionError, VersionedRuleSource, record_version
from scoring_service.rulesets.files import parent_of

__all__ = ["StoredVersionError", "VersionedRuleSource", "parent_of", "record_version"]
