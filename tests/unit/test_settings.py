"""Settings read from SCORING_* variables: types, defaults, overrides and refusals in words
naming the variable (the command line prints them and exits 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring_service.config import REPO_RULES_DIR, Settings


def test_variables_are_read_typed_and_empty_ones_are_unset(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "SCORING_MAX_BODY_BYTES": "2048",
            "SCORING_RULES_DIR": str(tmp_path),
            "SCORING_LANGUAGE": "en-GB",
            "SCORING_TEMPLATE_SECONDS": "",
            "SCORING_EXTRA": "not for a variable",
            "SCORING_SOFFICE": "read elsewhere",
        }
    )
    assert settings.max_body_bytes == 2048 and settings.rules_dir == tmp_path
    assert settings.language == "en"  # a tag as systems write it, as the catalogue names it
    assert settings.template_seconds == 20 and settings.extra == {}
    assert Settings.from_env({}).rules_dir == REPO_RULES_DIR


@pytest.mark.parametrize(
    ("env", "refusal"),
    [
        ({"SCORING_MAX_BODY_BYTES": "a lot"}, "SCORING_MAX_BODY_BYTES must be a whole number"),
        ({"SCORING_AUTH_FAILURE_LIMIT": "0"}, "SCORING_AUTH_FAILURE_LIMIT must be at least 1"),
        ({"SCORING_ENGINE": "fast"}, "SCORING_ENGINE must be 'durable' or 'python'"),
        ({"SCORING_LANGUAGE": "fr"}, "SCORING_LANGUAGE: "),
        ({"SCORING_CORS_ORIGINS": "portal"}, "SCORING_CORS_ORIGINS: 'portal' is not an origin"),
        ({"SCORING_RATE_LIMIT_STORAGE": "memcached://x"}, "SCORING_RATE_LIMIT_STORAGE must be"),
    ],
)
def test_a_bad_variable_is_refused_in_words_naming_it(env: dict[str, str], refusal: str) -> None:
    with pytest.raises(ValueError) as refused:
        Settings.from_env(env)
    assert str(refused.value).startswith(refusal)


def test_an_override_wins_even_over_a_variable_that_would_be_refused() -> None:
    settings = Settings.from_env(
        {"SCORING_ENGINE": "fast", "SCORING_MAX_BODY_BYTES": "x"}, engine="python", max_body_bytes=5
    )
    assert settings.engine == "python" and settings.max_body_bytes == 5
