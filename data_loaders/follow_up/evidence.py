"""Evidence files attached to an answer: the task's results and products. A file is accepted only
if its bytes are what its name claims (checked by their signature with `filetype`, not trusted
from the name or the browser), within the size limit; anything else is refused with a sentence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

import filetype

from data_loaders.identity.accounts import AccountError
from data_loaders.store.models import FILE_NAME_LENGTH

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024  # the same limit as a workbook upload
MAX_FILES_PER_ANSWER = 5

# extension → the media type its bytes must have
ACCEPTED_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
# Old Office formats share one container (OLE2): filetype names any of them by one of these types
_OLE_TYPES = {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"}


@dataclass(frozen=True)
class EvidenceFile:
    file_name: str
    media_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_evidence(file_name: str, content: bytes) -> EvidenceFile:
    """The file as it will be stored, or AccountError naming what is wrong with it."""
    name = PurePath(str(file_name).replace("\\", "/")).name.strip()[:FILE_NAME_LENGTH] or "evidence"
    extension = PurePath(name).suffix.lower()
    expected = ACCEPTED_TYPES.get(extension)
    if expected is None:
        raise AccountError("evidence_type_refused", file=name, accepted=", ".join(sorted(ACCEPTED_TYPES)))
    if not content:
        raise AccountError("evidence_empty", file=name)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise AccountError("evidence_too_large", file=name, limit=MAX_EVIDENCE_BYTES // (1024 * 1024))
    guessed = filetype.guess_mime(content)
    same = guessed == expected or (guessed in _OLE_TYPES and expected in _OLE_TYPES)
    if not same:
        raise AccountError("evidence_not_what_it_claims", file=name)
    return EvidenceFile(name, expected, content)
