"""What an uploaded file is, judged by its bytes, and whether the admin's settings allow it.

The extension a user gives a file proves nothing: a program renamed ``photo.png`` is still a
program. The kind comes from the content (magic numbers via ``filetype`` plus the formats it
does not know), archives are opened and their members judged the same way, and text files are
scripts when the system would run them (a shebang, or a name the desktop executes such as
``.bat`` or ``.ps1``: a text file's danger lies in how it is opened). Archives that cannot be
opened here (RAR, 7-Zip...) count as possibly holding a program.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, cast

import filetype

from ticketing.files import FileKind

_HEAD = 8192
#: How deep archives inside archives are opened, and how many members are looked at.
_MAX_DEPTH = 3
_MAX_MEMBERS = 10_000

#: Program formats by their first bytes (beyond what ``filetype`` reports as executables).
_PROGRAM_MAGIC: tuple[bytes, ...] = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O fat binary / Java class
    b"dex\n",
    b"\x00asm",  # WebAssembly
    b"L\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut
)
#: Names the desktop runs or loads as code when opened.
PROGRAM_EXTENSIONS = frozenset(
    {"exe", "dll", "com", "scr", "msi", "msp", "cpl", "sys", "drv", "ocx", "jar", "apk", "app", "lnk"}
)
SCRIPT_EXTENSIONS = frozenset(
    {
        "bat", "cmd", "ps1", "psm1", "psd1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "sh",
        "bash", "zsh", "csh", "ksh", "py", "pyw", "pl", "rb", "php", "command", "applescript",
        "reg", "inf", "scf", "url", "desktop",
    }
)  # fmt: skip
#: Members that are code inside document formats (Office macros).
_CODE_MEMBERS = frozenset({"vbaproject.bin"})
_UNOPENABLE_ARCHIVES = frozenset(
    {
        "application/x-rar-compressed", "application/x-7z-compressed", "application/vnd.ms-cab-compressed",
        "application/x-unix-archive", "application/x-compress", "application/x-lzip", "application/zstd",
        "application/x-brotli", "application/x-deb", "application/x-rpm",
    }
)  # fmt: skip
_DOCUMENT_TYPES = frozenset(
    {
        "application/pdf", "application/rtf", "application/msword", "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint", "application/x-ole-storage",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation", "application/epub+zip",
    }
)  # fmt: skip
_DANGER = {FileKind.EXECUTABLE: 3, FileKind.SCRIPT: 2, FileKind.ARCHIVE_WITH_EXECUTABLE: 1}


@dataclass(frozen=True)
class Judgement:
    kind: FileKind
    content_type: str
    #: Why, in words for the person who attached the file (for archives: which member).
    reason: str = ""


def _extension(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower().lstrip(".")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 4  # a character cut at the end of the sample
    return True


_PROGRAM_TYPES = frozenset(
    {"application/x-msdownload", "application/x-executable", "application/x-mach-binary"}
)
_ARCHIVE_TYPES = frozenset(
    {"application/zip", "application/x-tar", "application/gzip", "application/x-bzip2", "application/x-xz"}
)


def _kind_of_type(mime: str) -> FileKind:
    by_family = {
        _PROGRAM_TYPES: FileKind.EXECUTABLE,
        _UNOPENABLE_ARCHIVES: FileKind.ARCHIVE_WITH_EXECUTABLE,
        _ARCHIVE_TYPES: FileKind.ARCHIVE,
        _DOCUMENT_TYPES: FileKind.DOCUMENT,
    }
    for family, kind in by_family.items():
        if mime in family:
            return kind
    if mime.startswith("image/"):
        return FileKind.IMAGE
    return FileKind.MEDIA if mime.startswith(("audio/", "video/")) else FileKind.OTHER


_REASONS = {
    FileKind.EXECUTABLE: "{name} is a program",
    FileKind.SCRIPT: "{name} is a script",
    FileKind.ARCHIVE_WITH_EXECUTABLE: "{name} is an archive whose contents cannot be checked",
}


def _judge_head(head: bytes, name: str) -> Judgement:
    """The kind of a file from its first bytes, its name counting only for text files."""
    guess = filetype.guess(head)
    if head.startswith(_PROGRAM_MAGIC):
        kind, mime = FileKind.EXECUTABLE, "application/octet-stream"
    elif guess is not None:
        mime = str(guess.mime)
        kind = _kind_of_type(mime)
    elif _is_text(head):
        mime = "text/plain; charset=utf-8"
        script = head.startswith(b"#!") or _extension(name) in SCRIPT_EXTENSIONS
        kind = FileKind.SCRIPT if script else FileKind.TEXT
    else:
        kind, mime = FileKind.OTHER, "application/octet-stream"
    if kind == FileKind.EXECUTABLE:
        mime = "application/octet-stream"
    return Judgement(kind, mime, _REASONS.get(kind, "").format(name=name))


def _worst(judgements: Iterable[Judgement]) -> Judgement | None:
    worst: Judgement | None = None
    for judgement in judgements:
        if _DANGER.get(judgement.kind, 0) > (0 if worst is None else _DANGER.get(worst.kind, 0)):
            worst = judgement
    return worst


def _member_verdict(stream: IO[bytes], name: str, depth: int) -> Judgement:
    """A member of an archive: its own kind, or what it holds if it is an archive too."""
    if _extension(name) in PROGRAM_EXTENSIONS:
        return Judgement(FileKind.EXECUTABLE, "", f"it holds the program {name}")
    if PurePosixPath(name).name.lower() in _CODE_MEMBERS:
        return Judgement(FileKind.EXECUTABLE, "", f"it holds macros ({name})")
    judgement = _judge_stream(stream, name, depth + 1)
    if judgement.kind in (FileKind.EXECUTABLE, FileKind.SCRIPT):
        return Judgement(judgement.kind, "", f"it holds {name}, a {judgement.kind.value}")
    if judgement.kind == FileKind.ARCHIVE_WITH_EXECUTABLE:
        return Judgement(judgement.kind, "", f"{name} inside it: {judgement.reason}")
    return judgement


def _zip_members(stream: IO[bytes], depth: int) -> Judgement | None:
    with zipfile.ZipFile(stream) as archive:
        members = archive.infolist()[:_MAX_MEMBERS]
        verdicts = []
        for member in members:
            if member.is_dir():
                continue
            if member.flag_bits & 0x1:
                return Judgement(
                    FileKind.ARCHIVE_WITH_EXECUTABLE, "", "it holds encrypted files that cannot be checked"
                )
            with archive.open(member) as inner:
                verdicts.append(_member_verdict(inner, member.filename, depth))
        return _worst(verdicts)


def _tar_members(stream: IO[bytes], depth: int) -> Judgement | None:
    with tarfile.open(fileobj=stream, mode="r:*") as archive:
        verdicts = []
        for count, member in enumerate(archive):
            if count >= _MAX_MEMBERS:
                break
            if member.isfile():
                inner = archive.extractfile(member)
                if inner is not None:
                    verdicts.append(_member_verdict(inner, member.name, depth))
        return _worst(verdicts)


def _decompressed(stream: IO[bytes], mime: str) -> IO[bytes]:
    if mime == "application/gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=stream))
    if mime == "application/x-bzip2":
        return bz2.BZ2File(stream)
    return lzma.LZMAFile(stream)


def _single_compressed(stream: IO[bytes], mime: str, name: str, depth: int) -> Judgement | None:
    with _decompressed(stream, mime) as inner:
        return _member_verdict(inner, name.rsplit(".", 1)[0], depth)


def _judge_stream(stream: IO[bytes], name: str, depth: int) -> Judgement:
    head = stream.read(_HEAD)
    judgement = _judge_head(head, name)
    zipped_document = judgement.kind == FileKind.DOCUMENT and head.startswith(b"PK")
    if judgement.kind != FileKind.ARCHIVE and not zipped_document:
        return judgement
    if depth >= _MAX_DEPTH:
        return Judgement(
            FileKind.ARCHIVE_WITH_EXECUTABLE, judgement.content_type, "archives nested too deep to check"
        )
    body = io.BytesIO(head + stream.read())
    try:
        if head.startswith(b"PK"):
            inner = _zip_members(body, depth)
        elif judgement.content_type == "application/x-tar" or _is_tar(body):
            inner = _tar_members(body, depth)
        else:
            inner = _single_compressed(body, judgement.content_type, name, depth)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, lzma.LZMAError, ValueError):
        return Judgement(
            FileKind.ARCHIVE_WITH_EXECUTABLE, judgement.content_type, f"{name} is a damaged archive"
        )
    if inner is not None and inner.kind in _DANGER:
        return Judgement(FileKind.ARCHIVE_WITH_EXECUTABLE, judgement.content_type, inner.reason)
    return judgement


def _is_tar(body: io.BytesIO) -> bool:
    try:
        with tarfile.open(fileobj=body, mode="r:*"):
            return True
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError):
        return False
    finally:
        body.seek(0)


def judge_file(path: Path, name: str) -> Judgement:
    """The kind and content type of the file at ``path``; ``name`` is its display name."""
    with open(path, "rb") as stream:
        return _judge_stream(stream, name, 0)


def refusal(judgement: Judgement, blocked: Iterable[FileKind]) -> str | None:
    """Why the admin's settings refuse this file, or ``None`` when they allow it."""
    if judgement.kind not in set(blocked):
        return None
    reasons = {
        FileKind.EXECUTABLE: "programs are not accepted",
        FileKind.SCRIPT: "scripts are not accepted",
        FileKind.ARCHIVE_WITH_EXECUTABLE: "archives holding programs or scripts are not accepted",
    }
    general = reasons.get(judgement.kind, f"files of the kind '{judgement.kind.value}' are not accepted")
    return f"{general} ({judgement.reason})" if judgement.reason else general


def name_refusal(name: str, blocked: Iterable[FileKind]) -> str | None:
    """A stored blob may be attached under a new name: a name the desktop would run
    (``notes.txt`` re-attached as ``run.bat``) is judged again here."""
    extension = _extension(name)
    if extension in PROGRAM_EXTENSIONS:
        judgement = Judgement(FileKind.EXECUTABLE, "", f"{name} would be run as a program")
    elif extension in SCRIPT_EXTENSIONS:
        judgement = Judgement(FileKind.SCRIPT, "", f"{name} would be run as a script")
    else:
        return None
    return refusal(judgement, blocked)
