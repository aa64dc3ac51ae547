"""Evidence files (佐证材料): typed by their bytes, checked against the limits, kept by a
``FileStore`` under their SHA-256 outside the database."""

from scoring_service.domain.evidence import FileStore, Upload
from scoring_service.evidence.files import Limits, checked_uploads, media_type_of, perceptual_hash
from scoring_service.evidence.store import LocalFileStore, default_files_dir

__all__ = [
    "FileStore",
    "Limits",
    "LocalFileStore",
    "Upload",
    "checked_uploads",
    "default_files_dir",
    "media_type_of",
    "perceptual_hash",
]
