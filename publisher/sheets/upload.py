"""Validate an uploaded workbook (.xlsx) or zip of CSV files, in the upload's child process.

Both are zip archives, so both are opened only after their directory passes the caps: at
most ``MAX_MEMBERS`` members, ``MAX_UNCOMPRESSED`` bytes in all (as declared, and again
as read: a member that inflates past its declared size is cut off and refused), and no
member name that is absolute, climbs out (``..``), or is not a plain file. A zip of CSVs
is unpacked by this code, by each member's base name only, into the upload's temporary
folder; nothing else of the archive is written. The workbook is then read by openpyxl
and the CSVs by the csv module, as ``municipal-roles validate`` reads them; the child's
memory cap and time limit (``publisher.validation.upload``) bound what remains.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from publisher.i18n import _
from publisher.rdf.parsing import InputError
from publisher.validation.upload import (
    TRIPLES_CEILING,
    CheckedUpload,
    TooManyTriples,
    UploadLimits,
    cut_report,
)

XLSX_KIND, ZIP_KIND = "xlsx", "zip"
MAX_MEMBERS = 64
MAX_UNCOMPRESSED = 32 << 20
_CHUNK = 1 << 16
# Media types an upload of sheets may declare when its name says nothing.
MEDIA_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX_KIND,
    "application/zip": ZIP_KIND,
    "application/x-zip-compressed": ZIP_KIND,
}


def spreadsheet_kind(filename: str, media_type: str) -> str | None:
    """``xlsx`` or ``zip`` for an upload of sheets (by its name, else its type), else None."""
    suffix = Path(filename).suffix.lower()
    if suffix in {".xlsx", ".zip"}:
        return suffix[1:]
    return MEDIA_TYPES.get(media_type)


def validate_upload(path: Path, kind: str, limits: UploadLimits, name: str) -> CheckedUpload:
    """The upload's report, cut to ``limits``; every result names the upload's own name.

    It runs in the upload's child process, which alone imports the sheets' readers
    (openpyxl, csvw): the web worker that imports this module for ``MEDIA_TYPES`` starts
    without them (0.35 s of CPU at every ``serve`` start, bench/serve/startup.py)."""
    from publisher.sheets.validate import validate_sheets

    members = checked_members(path)
    if kind == XLSX_KIND:
        given = path.with_name("upload.xlsx")
        path.rename(given)
    else:
        given = path.with_name("sheets")
        _unpack_csvs(path, members, given)
    checked = validate_sheets(given, shown=Path(Path(name).name or "upload"))
    cap = min(limits.max_triples, TRIPLES_CEILING)
    if len(checked.mapped.graph) > cap:
        raise TooManyTriples(f"the sheets map to more than {cap} triples")
    return cut_report(checked.report, limits)


def checked_members(path: Path) -> list[zipfile.ZipInfo]:
    """The archive's members, once its directory passes the caps; InputError if not."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(
            Path("upload"), _("not a zip archive that can be read: {error}", error=error)
        ) from error
    if len(members) > MAX_MEMBERS:
        raise InputError(
            Path("upload"), _("the archive holds more than {count} files", count=MAX_MEMBERS)
        )
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise InputError(
            Path("upload"),
            _("the archive unpacks to more than {count} bytes", count=MAX_UNCOMPRESSED),
        )
    for member in members:
        if not _safe_name(member):
            raise InputError(
                Path("upload"),
                _("the archive holds a file named {name}", name=repr(member.filename)),
            )
    return members


def _safe_name(member: zipfile.ZipInfo) -> bool:
    name = PurePosixPath(member.filename.replace("\\", "/"))
    mode = member.external_attr >> 16
    return (
        not name.is_absolute()
        and ".." not in name.parts
        and ":" not in member.filename
        and not stat.S_ISLNK(mode)
        and len(member.filename) <= 255
    )


def _unpack_csvs(path: Path, members: list[zipfile.ZipInfo], folder: Path) -> None:
    """Each ``.csv`` member by its base name (``city/posts.csv`` is ``posts.csv``), read
    in chunks and never past its declared size."""
    folder.mkdir()
    written: set[str] = set()
    with zipfile.ZipFile(path) as archive:
        for member in members:
            base = PurePosixPath(member.filename.replace("\\", "/")).name
            if member.is_dir() or not base.lower().endswith(".csv") or base.startswith("."):
                continue
            if base in written:
                raise InputError(
                    Path("upload"), _("the archive holds two files named {name}", name=base)
                )
            written.add(base)
            _copy_bounded(archive, member, folder / base)


def _copy_bounded(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path) -> None:
    left = member.file_size
    try:
        with archive.open(member) as source, target.open("wb") as out:
            while chunk := source.read(min(_CHUNK, left + 1)):
                left -= len(chunk)
                if left < 0:
                    raise InputError(
                        Path("upload"),
                        _("{name} unpacks to more than it declares", name=member.filename),
                    )
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as error:
        raise InputError(
            Path("upload"), _("not a zip archive that can be read: {error}", error=error)
        ) from error
