"""Container-level checks on uploaded spreadsheets, run before any parser sees them.

The parsers used by :mod:`iris_admin.importing.readers` are fast and correct on honest
files but were not written for hostile ones. Most notably python-calamine allocates the
whole rectangle between the first and the last non-empty cell of a sheet (32 bytes per
cell): a two-cell sheet with one cell at ``XFD1048576`` makes it request 550 GB and the
Rust allocator then aborts the whole process; ``<sst uniqueCount="4000000000">`` does
the same through its string table. Everything that can be decided from the
container (zip or OLE2) is therefore decided here, in bounded time and memory:

* zip: member count, declared sizes and ratios from the central directory, then every
  member is inflated once with a byte budget (so sizes that lie are caught too), while
  checking XML prologs for DTDs, finding the extent of the cell references and
  comparing announced shared-string counts with the strings present (the last two
  decide whether calamine may read the file or the streaming openpyxl reader must);
* OLE2: directory entries (encryption, macros, presence of a workbook stream).

No Flask imports here: this module is used from background jobs and the CLI as well.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import xlrd.compdoc

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A real workbook has tens of members, a few hundred with many images; parsing a
# central directory of millions of entries is a denial of service of its own.
MAX_ZIP_MEMBERS = 10_000
# Small members cannot hurt whatever their ratio, and tiny XML parts routinely
# compress better than 100:1, so the ratio is only checked above this size.
RATIO_CHECK_FLOOR = 1024 * 1024

_INFLATE_OUT_STEP = 4 * 1024 * 1024
_INFLATE_IN_STEP = 256 * 1024

MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")

MESSAGES: dict[str, str] = {
    "not_a_spreadsheet": (
        "This file is not an Excel workbook (.xlsx or .xls) or a CSV file. "
        "Open it in Excel, save it as .xlsx and upload it again."
    ),
    "encrypted": "The file is password-protected. Remove the password and upload it again.",
    "truncated": (
        "The file is damaged or incomplete. Save it again in Excel and upload the new copy."
    ),
    "zip_bomb": (
        "The file unpacks to far more data than a spreadsheet of this size can hold, "
        "so it was refused."
    ),
    "xml_entities": (
        "The file contains XML entity declarations, which spreadsheets do not need and "
        "which are refused for safety. Save it again in Excel and upload the new copy."
    ),
    "macro_enabled": (
        "Workbooks with macros (.xlsm) are not accepted. Save the workbook as "
        "\u201cExcel Workbook (.xlsx)\u201d and upload it again."
    ),
    "empty": "The file contains no data: no header row was found on the first sheet.",
    "too_large": "The file is larger than the maximum of {limit_mb} MB.",
    "too_many_rows": (
        "The file has more than {limit:,} data rows. Split it into smaller files and "
        "upload them one after the other."
    ),
    "too_many_columns": "The file has more than {limit} columns.",
    "unsupported_format": (
        "This kind of spreadsheet ({kind}) is not supported. Save it as .xlsx and upload it again."
    ),
    "not_utf8": (
        "The CSV file is not UTF-8 encoded. Save the CSV as UTF-8 (in Excel: "
        "\u201cCSV UTF-8 (comma delimited)\u201d) and upload it again."
    ),
    "malformed_csv": "The CSV file is malformed near row {row} and cannot be read.",
}


class UnreadableFile(Exception):
    """The upload cannot be read; ``str(exc)`` is a user-facing English sentence.

    ``code`` is a stable slug callers can branch on or translate; ``params`` holds the
    values interpolated into the message (e.g. ``limit``), for translated variants.
    """

    def __init__(self, code: str, message: str | None = None, **params: object) -> None:
        self.code = code
        self.params = params
        self.message = message if message is not None else MESSAGES[code].format(**params)
        super().__init__(self.message)


def sniff_container(head: bytes) -> str | None:
    """``"zip"``, ``"ole"`` or ``None`` from the first bytes; extensions are not trusted."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return None


# --------------------------------------------------------------------------- OLE2 (.xls)

_OLE_ENCRYPTION_ENTRIES = frozenset({"encryptedpackage", "encryptioninfo"})
_OLE_WORKBOOK_STREAMS = frozenset({"workbook", "book"})
_OLE_MACRO_ENTRIES = frozenset({"_vba_project_cur", "_vba_project"})


class _NullLog:
    """xlrd prints diagnostics to stdout unless given a log; we want none of them."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


NULL_LOG = _NullLog()


def inspect_ole(data: bytes) -> None:
    """Refuse OLE2 files that are not plain .xls workbooks.

    A password-protected .xlsx is an OLE2 file holding an ``EncryptedPackage`` stream,
    not a zip, so it lands here and not in :func:`inspect_xlsx`.
    """
    names = _ole_entry_names(data)
    if names & _OLE_ENCRYPTION_ENTRIES:
        raise UnreadableFile("encrypted")
    if not names & _OLE_WORKBOOK_STREAMS:
        # Word documents, Outlook messages, ... share the container format.
        raise UnreadableFile("not_a_spreadsheet")
    if names & _OLE_MACRO_ENTRIES:
        raise UnreadableFile("macro_enabled")


def _ole_entry_names(data: bytes) -> set[str]:
    try:
        doc = xlrd.compdoc.CompDoc(data, logfile=NULL_LOG)
        return {entry.name.lower() for entry in doc.dirlist}
    except Exception as exc:  # any parser error on a corrupt directory means "damaged"
        raise UnreadableFile("truncated") from exc


# --------------------------------------------------------------------------- zip (.xlsx)


@dataclass(frozen=True)
class XlsxReport:
    """What the scan of a workbook learnt that matters for choosing its reader."""

    max_row: int
    """Largest row referenced by any cell of any part (0 when there are no cells)."""
    max_col: int
    """Largest column referenced by any cell of any part."""
    cells_located: bool
    """False when some cell could not be located cheaply (no ``r`` attribute, a
    namespace prefix, attributes in an unusual order, ...): the bounds then say nothing."""
    counts_plausible: bool
    """False when a shared-string table announces far more strings than it holds:
    calamine reserves memory for the announced number up front."""

    def fits_calamine(self, max_cells: int) -> bool:
        """Whether calamine can read the workbook without an unbounded allocation.

        calamine allocates the rectangle from A1 to the farthest cell, at most
        ``max_row * max_col`` cells, whatever the ``<dimension>`` element claims.
        """
        return (
            self.cells_located
            and self.counts_plausible
            and self.max_row * self.max_col <= max_cells
        )


def inspect_xlsx(
    data: bytes,
    filename: str,
    *,
    max_uncompressed_bytes: int,
    max_compression_ratio: float,
) -> XlsxReport:
    """Refuse hostile or non-workbook zip files; report what the reader choice needs."""
    if _declared_entry_count(data) > MAX_ZIP_MEMBERS:
        raise UnreadableFile("zip_bomb")
    infos = _open_zip(data).infolist()
    _check_central_directory(infos, max_uncompressed_bytes, max_compression_ratio)
    _check_package(data, infos, filename)
    cells = _ExtentTracker()
    counts_plausible = True
    for info in infos:
        counts_plausible &= _scan_member(data, info, cells)
    return XlsxReport(cells.max_row, cells.max_col, cells.located, counts_plausible)


def _declared_entry_count(data: bytes) -> int:
    """Entry count from the end-of-central-directory record, before zipfile parses it."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if eocd < 0 or eocd + 22 > len(data):
        raise UnreadableFile("truncated")
    (entries,) = struct.unpack_from("<H", data, eocd + 10)
    if entries != 0xFFFF:
        return entries
    # ZIP64: the real count is in the ZIP64 end record found through its locator.
    locator = eocd - 20
    if locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if data[record : record + 4] == b"PK\x06\x06" and record + 40 <= len(data):
            (entries,) = struct.unpack_from("<Q", data, record + 32)
    return entries


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, struct.error) as exc:
        raise UnreadableFile("truncated") from exc


def _check_central_directory(
    infos: list[zipfile.ZipInfo], max_uncompressed: int, max_ratio: float
) -> None:
    if len(infos) > MAX_ZIP_MEMBERS:
        raise UnreadableFile("zip_bomb")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableFile("encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Excel only writes stored and deflated members; anything else is foreign.
            raise UnreadableFile(
                "unsupported_format",
                kind=f"zip compression method {info.compress_type}",
            )
        total += info.file_size
        if info.file_size > RATIO_CHECK_FLOOR and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise UnreadableFile("zip_bomb")
    if total > max_uncompressed:
        raise UnreadableFile("zip_bomb")


def _check_package(data: bytes, infos: list[zipfile.ZipInfo], filename: str) -> None:
    names = {info.filename for info in infos}
    if filename.lower().endswith(MACRO_SUFFIXES) or any(_is_macro_part(name) for name in names):
        raise UnreadableFile("macro_enabled")
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        raise UnreadableFile("unsupported_format", kind="Excel binary workbook, .xlsb")
    mimetype = next((info for info in infos if info.filename == "mimetype"), None)
    if (
        mimetype is not None
        and mimetype.file_size < 200
        and b"opendocument.spreadsheet" in b"".join(_inflate(data, mimetype))
    ):
        raise UnreadableFile("unsupported_format", kind="OpenDocument spreadsheet, .ods")
    # A .docx, a .zip of anything, ... renamed to .xlsx.
    raise UnreadableFile("not_a_spreadsheet")


# The workbook content type of .xlsm/.xltm, and Excel 4.0 macro sheets (XLM).
_MACRO_CONTENT_TYPE = re.compile(rb"macroEnabled|macrosheet", re.IGNORECASE)


def _is_macro_part(name: str) -> bool:
    name = name.lower()
    return name.endswith("vbaproject.bin") or name.startswith("xl/macrosheets/")


def _scan_member(data: bytes, info: zipfile.ZipInfo, cells: _ExtentTracker) -> bool:
    """Inflate and check one member; False if it announces implausibly many strings."""
    # Every member is scanned, not only the ones we expect calamine to open: which
    # part is "the first sheet" is decided by relationships an attacker controls.
    is_content_types = info.filename == "[Content_Types].xml"
    strings = _StringCount()
    wide: bool | None = None
    for buffer, start, end in _tag_aligned(_inflate(data, info)):
        if wide is None:
            # UTF-16/32 parts interleave NULs; dropping them leaves the ASCII markup
            # our patterns look for (binary members just get scanned a little slower).
            wide = b"\x00" in buffer[start : start + 4]
            if wide:
                buffer, start, end = _narrowed(buffer, start, end)
            _check_prolog(buffer, start, end)
        elif wide:
            buffer, start, end = _narrowed(buffer, start, end)
        if is_content_types and _MACRO_CONTENT_TYPE.search(buffer, start, end):
            raise UnreadableFile("macro_enabled")
        cells.feed(buffer, start, end)
        strings.feed(buffer, start, end)
    return strings.plausible()


def _narrowed(buffer: bytes, start: int, end: int) -> tuple[bytes, int, int]:
    narrow = buffer[start:end].replace(b"\x00", b"")
    return narrow, 0, len(narrow)


_XML_SPACE = b" \t\r\n"
# UTF-16/32 byte order marks are seen here without their NUL bytes.
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _check_prolog(buffer: bytes, start: int, end: int) -> None:
    """Refuse a document type declaration, i.e. the only place entities can be declared.

    XML allows a DTD only in the prolog, before the root element, and the parsers we
    feed reject one anywhere else, so only the prolog is walked (comments and
    processing instructions skipped); no spreadsheet writer emits a DTD. Content that
    does not start like XML (images, ...) has no prolog and passes.
    """
    position = start
    for bom in _BOMS:
        if buffer.startswith(bom, position):
            position += len(bom)
            break
    while True:
        while position < end and buffer[position] in _XML_SPACE:
            position += 1
        if buffer.startswith(b"<?", position, end):
            closing = b"?>"
        elif buffer.startswith(b"<!--", position, end):
            closing = b"-->"
        elif buffer.startswith(b"<!", position, end):
            raise UnreadableFile("xml_entities")
        else:
            return  # the root element, or no XML at all
        found = buffer.find(closing, position, end)
        if found < 0:
            raise UnreadableFile("truncated")  # megabytes of prolog: nobody writes that
        position = found + len(closing)


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield the member's content, never more than its declared size.

    zipfile also stops at the declared size but does not notice a deflate stream that
    goes on afterwards; the Rust zip reader under calamine does not stop at all. So the
    stream is inflated here with the declared size as hard budget and must end exactly
    there, with a matching CRC.
    """
    raw = _raw_member(data, info)
    produced = 0
    crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != info.file_size:
            raise UnreadableFile("truncated")
        for start in range(0, len(raw), _INFLATE_OUT_STEP):
            chunk = bytes(raw[start : start + _INFLATE_OUT_STEP])
            crc = zlib.crc32(chunk, crc)
            yield chunk
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        for chunk in _inflate_steps(inflater, raw):
            produced += len(chunk)
            if produced > info.file_size:
                raise UnreadableFile("zip_bomb")  # the declared size was a lie
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if not inflater.eof or produced != info.file_size:
            raise UnreadableFile("truncated")
    if crc != info.CRC:
        raise UnreadableFile("truncated")


def _inflate_steps(inflater: zlib._Decompress, raw: memoryview) -> Iterator[bytes]:
    position = 0
    pending: bytes | memoryview
    try:
        while not inflater.eof:
            pending = inflater.unconsumed_tail
            if not pending:
                if position >= len(raw):
                    return
                pending = raw[position : position + _INFLATE_IN_STEP]
                position += len(pending)
            chunk = inflater.decompress(pending, _INFLATE_OUT_STEP)
            if chunk:
                yield chunk
            elif inflater.unconsumed_tail and not inflater.eof:
                return  # no progress possible: corrupt stream, reported by the caller
    except zlib.error as exc:
        raise UnreadableFile("truncated") from exc


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The member's compressed bytes, located through its local header."""
    header = info.header_offset
    if data[header : header + 4] != ZIP_MAGIC or header + 30 > len(data):
        raise UnreadableFile("truncated")
    name_length, extra_length = struct.unpack_from("<HH", data, header + 26)
    start = header + 30 + name_length + extra_length
    end = start + info.compress_size
    if end > len(data):
        raise UnreadableFile("truncated")
    return memoryview(data)[start:end]


# calamine reserves 24 bytes per string announced by <sst uniqueCount="..."> before
# reading any: 4,000,000,000 in a 1 KB file is a 96 GB request and a process abort.
# An announcement is plausible if the part holds about that many <si> entries, and
# never above this many (96 MB of reservation); above it, the streaming reader is used.
MAX_ANNOUNCED_STRINGS = 4_000_000
_ANNOUNCED_SLACK = 10_000
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']?([^"'\s>]*)""")
_STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


class _StringCount:
    """Compares a part's announced number of shared strings with the ones it holds.

    Any ``uniqueCount`` anywhere in the part counts, even in comments or text: an
    over-cautious verdict only costs the slower reader.
    """

    def __init__(self) -> None:
        self.announced: int | None = None
        self.held = 0

    def feed(self, buffer: bytes, start: int, end: int) -> None:
        if buffer.find(b"uniqueCount", start, end) >= 0:
            for match in _UNIQUE_COUNT.finditer(buffer, start, end):
                value = match.group(1)
                # Entity or character references could hide any number: distrust.
                number = int(value) if value.isdigit() else MAX_ANNOUNCED_STRINGS + 1
                self.announced = max(self.announced or 0, number)
        if self.announced is not None:
            # Counted only once an announcement was seen: the root element comes first.
            self.held += len(_STRING_ITEM.findall(buffer, start, end))

    def plausible(self) -> bool:
        if self.announced is None:
            return True
        return self.announced <= min(self.held + _ANNOUNCED_SLACK, MAX_ANNOUNCED_STRINGS)


_MAX_CARRY = 1024 * 1024
_SEAM_OVERLAP = 64  # longer than any token we search for


def _tag_aligned(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, int, int]]:
    """Re-cut a byte stream right after '>' characters, as ``(buffer, start, end)`` windows.

    None of the tokens we look for (``<c r="XFD1"``, ``<x:c>``, ...) contains a '>',
    so a cut just after one can never split them. Windows point into the inflated
    chunks instead of slicing them (a copy of 70 MB costs as much as a regex pass);
    only the short seam between two chunks is copied. A megabyte without any '>' is
    cut anyway, repeating a short overlap so a token on the seam is still seen whole
    (the checks fed from here are idempotent, so seeing a token twice is harmless).
    """
    carry = b""
    for chunk in chunks:
        first = chunk.find(b">") + 1
        if not first:
            carry += chunk
            if len(carry) > _MAX_CARRY:
                yield carry, 0, len(carry)
                carry = carry[-_SEAM_OVERLAP:]
            continue
        if carry:
            seam = carry + chunk[:first]
            yield seam, 0, len(seam)
        else:
            first = 0
        last = chunk.rfind(b">") + 1
        if first < last:
            yield chunk, first, last
        carry = chunk[last:]
    if carry:
        yield carry, 0, len(carry)


# Cell references as every mainstream writer emits them: ``r`` first, upper case,
# at most XFD / 1048576 plus some slack (anything else leaves the cells unlocated).
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_PREFIX_HINT = re.compile(rb":c[\s/>]")  # cheap pre-filter for the pattern above
_SAMPLE_BYTES = 2048
_MAX_OUTLIERS_PER_PIECE = 64


class _ExtentTracker:
    """Largest row and column referenced by any cell, computed at C speed.

    Collecting every reference with ``findall`` costs about a third of calamine's own
    reading time, so instead the bounds are guessed from the start and the end of each
    piece (rows are normally sorted) and then verified with one regex search for a cell
    outside the guessed rectangle. Each outlier widens the rectangle; a piece with too
    many outliers (unsorted, hostile) falls back to the exact ``findall``.
    """

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = 0
        self.located = True

    def feed(self, buffer: bytes, start: int, end: int) -> None:
        if not self.located:
            return
        if _PREFIX_HINT.search(buffer, start, end) and _PREFIXED_CELL.search(buffer, start, end):
            self.located = False
            return
        self._learn(_CELL_REF.findall(buffer, start, min(end, start + _SAMPLE_BYTES)))
        self._learn(_CELL_REF.findall(buffer, max(start, end - _SAMPLE_BYTES), end))
        position = start
        for _ in range(_MAX_OUTLIERS_PER_PIECE):
            if not self.located:
                return
            outlier = _outlier_pattern(self.max_col, self.max_row).search(buffer, position, end)
            if outlier is None:
                return
            reference = _CELL_REF.match(buffer, outlier.start(), end)
            if reference is None:
                self.located = False  # a cell whose position needs a real parser
                return
            self._learn([(reference[1], reference[2])])
            position = outlier.end()
        self._learn_exactly(buffer, start, end)

    def _learn_exactly(self, buffer: bytes, start: int, end: int) -> None:
        references = _CELL_REF.findall(buffer, start, end)
        if len(references) != len(_ANY_CELL.findall(buffer, start, end)):
            self.located = False
            return
        self._learn(references)

    def _learn(self, references: Iterable[tuple[bytes, bytes]]) -> None:
        for letters, digits in references:
            row = int(digits)
            if row == 0:
                self.located = False  # calamine would compute row -1, i.e. 4 billion
                return
            self.max_row = max(self.max_row, row)
            self.max_col = max(self.max_col, column_index(letters.decode("ascii")))


def column_index(letters: str) -> int:
    """1-based column number of ``"A"``, ``"AB"``, ... (bijective base 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@lru_cache(maxsize=512)
def _outlier_pattern(max_col: int, max_row: int) -> re.Pattern[bytes]:
    """A cell start not followed by a reference inside ``max_col`` x ``max_row``."""
    if max_row == 0 or max_col == 0:
        return _ANY_CELL
    inside = (
        f' r="(?:{_at_most(column_letters(max_col), "A-Z", "A-Z")})'
        f'(?:{_at_most(str(max_row), "1-9", "0-9")})"'
    )
    return re.compile(f"<c(?!{inside})[\\s/>]".encode("ascii"))


def _at_most(limit: str, first: str, rest: str) -> str:
    """Regex alternation for the strings denoting a value <= ``limit``.

    Works for any positional notation without leading zeros where a shorter string is
    always smaller: decimal row numbers and bijective base-26 column letters. ``first``
    and ``rest`` are the character ranges allowed in the first and following positions.
    """
    length = len(limit)
    branches = []
    if length > 1:
        branches.append(f"[{first}][{rest}]{{0,{length - 2}}}")
    for position, char in enumerate(limit):
        lowest = (first if position == 0 else rest)[0]
        if char > lowest:
            tail = length - position - 1
            branches.append(
                re.escape(limit[:position])
                + f"[{lowest}-{chr(ord(char) - 1)}]"
                + (f"[{rest}]{{{tail}}}" if tail else "")
            )
    branches.append(re.escape(limit))
    return "|".join(branches)
