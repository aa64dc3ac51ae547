"""Settings from ``SCORING_*`` environment variables (the wiring of the parts is ``bootstrap``).

Read here, typed by each setting's default (text, a whole number, a folder); refusals are
one sentence naming the variable. Every command reads them, so reading them imports
nothing more than this module does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import gettext as _

if TYPE_CHECKING:
    from scoring_service.evidence.files import Limits

DEFAULT_DATABASE_URL = "sqlite:///var/scoring.sqlite"
REPO_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
PREFIX = "SCORING_"


MIB = 1024 * 1024
# An origin as browsers send it: scheme, host and an optional port, nothing after.
_ORIGIN = re.compile(r"https?://[^\s/?#,]+")
_PUBLIC_URL = re.compile(r"(https?://[^\s/?#]+)?(/[^\s?#]*)?")
# A whole number as a variable may write it: a sign, digits in groups joined by "_", and
# trailing zero decimals ("2048", "+5", "1_000", "3.0").
_WHOLE = re.compile(r"\s*([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0*)?\s*")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the service, read once from ``SCORING_<NAME>`` variables by
    ``from_env``: the command line, the HTTP API and the benchmarks all use this one."""

    database_url: str = DEFAULT_DATABASE_URL
    rules_dir: Path = REPO_RULES_DIR
    # Request bodies larger than this get 413; bundles have their own, larger limit.
    max_body_bytes: int = 1 * MIB
    max_bundle_bytes: int = 256 * MIB
    # An uploaded workbook (the problem list) is refused before parsing when one of its
    # parts, or all of them together, unpack to more than this (a zip bomb).
    max_upload_part_bytes: int = 50 * MIB
    max_upload_unpacked_bytes: int = 100 * MIB
    # Filling a Word template stops after this long (a template edited to loop for ever).
    template_seconds: int = 20
    idempotency_ttl_hours: int = 24
    # A request's claim on its Idempotency-Key: unanswered this long, a retry runs it again
    # (the worker serving it was killed). Keep it above the time the slowest request takes.
    idempotency_lease_seconds: int = 60
    # "durable" (durable_rules, as the command line) or "python" (the exact evaluator).
    engine: str = "durable"
    # Seconds one evaluation of a rule set may take before it is stopped with a refusal in
    # words (a province takes 1-2 s); no rule set can stall a worker for longer.
    rule_time_limit: int = 30
    # Browser origins allowed to call the API (CORS), comma-separated exact origins such as
    # "https://portal.example.gov.cn"; empty: none, so browsers on other origins are refused.
    cors_origins: str = ""
    # Failed bearer authentications from one client address within the window before that
    # address gets 429 until the window has passed (kept in each worker's memory).
    auth_failure_limit: int = 10
    auth_failure_window_seconds: int = 60
    # Where those failures are counted: "memory://" (each worker its own) or a Redis address
    # such as "redis://127.0.0.1:6379" (every worker together).
    rate_limit_storage: str = "memory://"
    # The address clients reach the service at (the OpenAPI document's server), such as
    # "https://scoring.example.gov.cn"; empty: the address of the request for the document.
    public_url: str = ""
    # A folder of Word templates overriding the shipped ones (letter.docx, circular.docx,
    # monthly.docx), each file on its own; empty: the shipped templates.
    document_templates: str = ""
    # The office that issues the documents (发文机关, in the masthead, signature and 版记) and
    # its 机关代字 in the documents' numbers (市督查〔2018〕7号): by default the work plan's
    # office of the leading group (河扶〔2018〕23号, 二、组织保障). The work plan gives the office
    # no 代字 of its own; "市督查" stands until the office sets its own.
    issuer: str = "河源市脱贫攻坚督查工作领导小组办公室"
    doc_prefix: str = "市督查"
    # The letter's contact line (联系人及电话), such as "黄运彬，0762-3387xxx"; empty: none.
    doc_contact: str = ""
    # The language people read (messages, tables, help): "zh" (default) or "en"; a command's
    # --lang and a request's Accept-Language choose for themselves.
    language: str = "zh"
    # The key that signs the web pages' session cookies. Empty: one is made on first start
    # and kept in the database (table service_secrets), so that every worker and every
    # restart agree; set it to share sessions with another copy of the service.
    secret_key: str = ""
    # A signed-in person idle this long must sign in again.
    session_idle_minutes: int = 30
    # Session cookies marked Secure (sent over HTTPS only): "auto" when SCORING_PUBLIC_URL
    # starts with https://, or "true" / "false".
    secure_cookies: str = "auto"
    # Where evidence files are kept, each under its SHA-256; empty: a "files" folder beside
    # the SQLite file, else var/files.
    files_dir: str = ""
    # A rectification report's evidence: each file, all files together, how many files.
    evidence_file_bytes: int = 20 * MIB
    evidence_report_bytes: int = 50 * MIB
    evidence_files: int = 10
    # Hosts webhooks may be registered at and posted to, comma-separated: "host" (any port)
    # or "host:port"; empty: none, so the service calls nothing it was not told to.
    webhook_allowed_hosts: str = ""
    # Seconds one webhook request may take (connecting, sending, answering).
    webhook_timeout_seconds: int = 10
    # A failed delivery is tried again after this many seconds, doubling each time up to
    # the most; one still failing this long after its notice was fanned out is parked.
    deliver_retry_seconds: int = 30
    deliver_retry_max_seconds: int = 3600
    deliver_park_after_seconds: int = 86400
    # How long the deliverer waits when nothing is due before it looks again.
    deliver_poll_seconds: int = 5
    # The mail server notices are mailed through: smtp://host:port (plain, or STARTTLS with
    # ?starttls=1), smtp+starttls://host:port or smtps://host:port (TLS from the start),
    # user and password in the address (smtp://user:pass@host:587); empty: no mail is sent.
    smtp_url: str = ""
    # The sender of those mails (From), required with SCORING_SMTP_URL.
    mail_from: str = ""
    # Seconds one mail may take (connecting, greeting, sending).
    smtp_timeout_seconds: int = 30
    # A PEM file of the certificate authorities the mail server's TLS certificate is checked
    # against (a government network's own CA), in place of the system's; empty: the system's.
    smtp_ca_file: str = ""
    # Where the pages' remembered answers are kept: empty for each worker's own memory, or
    # a Redis address (redis://127.0.0.1:6379/0) that every worker and machine shares.
    cache_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # passed to Flask's config by the API

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``SCORING_DATABASE_URL``, ``SCORING_RULES_DIR``, ``SCORING_MAX_BODY_BYTES``...
        (from ``env`` when given, else the process's environment); keyword overrides win.

        A variable's name may be written in any case; an empty one is as good as unset;
        ``extra`` comes from code only. A value that is not of its setting's type, or a
        keyword no setting has, is refused in words naming the variable."""
        variables = {
            name.lower(): value
            for name, value in (os.environ if env is None else env).items()
            if value and name[: len(PREFIX)].upper() == PREFIX
        }
        given = {name: value for name, value in overrides.items() if value is not None}
        for name in given:
            if name not in _KINDS:
                raise ValueError(f"{PREFIX}{name.upper()}: Extra inputs are not permitted")
        values: dict[str, Any] = {}
        for name, kind in _KINDS.items():
            if name in given:
                values[name] = _typed(name, kind, given[name])
            elif name != "extra" and (PREFIX.lower() + name) in variables:
                values[name] = _typed(name, kind, variables[PREFIX.lower() + name])
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Refuse settings that cannot work."""
        if self.engine not in ("durable", "python"):
            raise ValueError(_("SCORING_ENGINE must be 'durable' or 'python'"))
        for name in (
            "max_body_bytes",
            "max_bundle_bytes",
            "max_upload_part_bytes",
            "max_upload_unpacked_bytes",
            "template_seconds",
            "idempotency_ttl_hours",
            "idempotency_lease_seconds",
            "auth_failure_limit",
            "auth_failure_window_seconds",
            "session_idle_minutes",
            "evidence_file_bytes",
            "evidence_report_bytes",
            "evidence_files",
            "rule_time_limit",
            "webhook_timeout_seconds",
            "deliver_retry_seconds",
            "deliver_retry_max_seconds",
            "deliver_park_after_seconds",
            "deliver_poll_seconds",
            "smtp_timeout_seconds",
        ):
            if getattr(self, name) < 1:
                raise ValueError(_("SCORING_%(name)s must be at least 1", name=name.upper()))
        for origin in self.allowed_origins:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    _(
                        "SCORING_CORS_ORIGINS: %(origin)r is not an origin (scheme://host[:port])",
                        origin=origin,
                    )
                )
        if not self.rate_limit_storage.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError(
                _("SCORING_RATE_LIMIT_STORAGE must be memory:// or a redis:// address")
            )
        if self.document_templates and not Path(self.document_templates).is_dir():
            raise ValueError(
                _(
                    "SCORING_DOCUMENT_TEMPLATES: %(folder)s is not a folder",
                    folder=self.document_templates,
                )
            )
        from scoring_service.i18n import LANGUAGES

        if self.language not in LANGUAGES:
            raise ValueError(
                _(
                    "SCORING_LANGUAGE: %(language)r is not a language of the service; choose "
                    "one of %(choices)s",
                    language=self.language,
                    choices=", ".join(LANGUAGES),
                )
            )
        if self.secure_cookies not in ("auto", "true", "false"):
            raise ValueError(_("SCORING_SECURE_COOKIES must be 'auto', 'true' or 'false'"))
        if self.public_url and not _PUBLIC_URL.fullmatch(self.public_url):
            raise ValueError(
                _("SCORING_PUBLIC_URL must be an http(s) address or a path starting with /")
            )

        if self.smtp_url:
            from scoring_service.domain.notices import smtp_server

            smtp_server(self.smtp_url)  # refused in words naming SCORING_SMTP_URL
            if not self.mail_from:
                raise ValueError(_("SCORING_MAIL_FROM is needed with SCORING_SMTP_URL"))
        if self.smtp_ca_file and not Path(self.smtp_ca_file).is_file():
            raise ValueError(
                _("SCORING_SMTP_CA_FILE: %(file)s is not a file", file=self.smtp_ca_file)
            )

    @property
    def webhook_hosts(self) -> list[str]:
        """The hosts of ``webhook_allowed_hosts``, lower-cased, without blanks."""
        return [h.strip().lower() for h in self.webhook_allowed_hosts.split(",") if h.strip()]

    @property
    def templates_dir(self) -> Path | None:
        """The folder of ``document_templates``, or None for the shipped templates."""
        return Path(self.document_templates) if self.document_templates else None

    @property
    def files_path(self) -> Path:
        """The folder of evidence files (``files_dir``, else beside the SQLite file)."""
        from scoring_service.evidence.store import default_files_dir

        return Path(self.files_dir) if self.files_dir else default_files_dir(self.database_url)

    @property
    def evidence_limits(self) -> Limits:
        """The limits of one report's evidence files."""
        from scoring_service.evidence.files import Limits

        return Limits(self.evidence_file_bytes, self.evidence_report_bytes, self.evidence_files)

    @property
    def https_only_cookies(self) -> bool:
        """Whether session cookies are sent over HTTPS only."""
        if self.secure_cookies == "auto":
            return self.public_url.startswith("https://")
        return self.secure_cookies == "true"

    @property
    def allowed_origins(self) -> frozenset[str]:
        """The origins of ``cors_origins``."""
        return frozenset(o.strip() for o in self.cors_origins.split(",") if o.strip())


# Each setting's type, as its default's: text, a whole number, a folder, or a mapping.
_KINDS: dict[str, type] = {
    f.name: dict if f.default is MISSING else type(f.default) for f in fields(Settings)
}


def _typed(name: str, kind: type, value: Any) -> Any:
    """``value`` as a value of the setting ``name`` (of ``kind``, its default's type), or
    the setting's refusal in words."""
    variable = PREFIX + name.upper()
    if kind is int:
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        whole = _WHOLE.fullmatch(value) if isinstance(value, str) else None
        if whole is None:
            raise ValueError(_("SCORING_%(name)s must be a whole number", name=name.upper()))
        return int(whole.group(1))
    if issubclass(kind, Path):
        if isinstance(value, (str, Path)):
            return Path(value)
        raise ValueError(f"{variable}: Input is not a valid path")
    if kind is dict:
        if isinstance(value, dict):
            return value
        raise ValueError(f"{variable}: Input should be a valid dictionary")
    if not isinstance(value, str):
        raise ValueError(f"{variable}: Input should be a valid string")
    return _language(value) if name == "language" else value


def _language(tag: str) -> str:
    """A language tag as the catalogue names it (``zh-CN`` → ``zh``)."""
    from scoring_service.i18n import UnknownLanguage, normalize

    try:
        return normalize(tag)
    except UnknownLanguage as exc:
        raise ValueError(f"SCORING_LANGUAGE: {exc}") from None


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs; create the folder of a SQLite file."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


@dataclass
class FileRuleSource:
    """Rule sets read from ``rules/<year>/``; each year is loaded once per process."""

    rules_dir: Path
    _cache: dict[int, Ruleset | None] = field(default_factory=dict)

    def current(self, year: int) -> Ruleset | None:
        from scoring_service.rules import available_years, load_ruleset

        if year not in self._cache:
            years = available_years(self.rules_dir)
            self._cache[year] = load_ruleset(year, self.rules_dir) if year in years else None
        return self._cache[year]

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None:
        """The files' rule set when it has this hash (files hold one version only)."""
        ruleset = self.current(year)
        return ruleset if ruleset is not None and ruleset.content_hash == content_hash else None
