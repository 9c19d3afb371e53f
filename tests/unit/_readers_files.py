"""Builders for the real spreadsheet files used by test_readers.py.

Every file is produced by real writers (openpyxl, xlwt, msoffcrypto-tool, zipfile) or
assembled from hand-written OOXML parts, never stored as a binary fixture.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import openpyxl

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/xl/sharedStrings.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
</Types>"""

_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""

_WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">\
<sheets><sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>"""

_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/>\
<Relationship Id="rId3" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" \
Target="sharedStrings.xml"/></Relationships>"""

# Style 1 is the built-in date format 14, style 2 date-time format 22.
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN_NS}">\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>\
<borders count="1"><border/></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


def shared_strings_xml(strings: Sequence[str]) -> str:
    items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in strings)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="{MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        f"{items}</sst>"
    )


def worksheet_xml(sheet_data: str, *, prolog: str = "", before_data: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        f'<worksheet xmlns="{MAIN_NS}">{before_data}<sheetData>{sheet_data}</sheetData>'
        "</worksheet>"
    )


def handmade_xlsx(
    sheet_xml: str,
    *,
    shared_strings: Sequence[str] = (),
    workbook_type: str = XLSX_CONTENT_TYPE,
    extra_members: dict[str, bytes | str] | None = None,
    replace_members: dict[str, bytes | str] | None = None,
) -> bytes:
    """A minimal but complete workbook around a hand-written sheet1.xml."""
    members: dict[str, bytes | str] = {
        "[Content_Types].xml": _CONTENT_TYPES.format(workbook_type=workbook_type),
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/styles.xml": _STYLES,
        "xl/sharedStrings.xml": shared_strings_xml(shared_strings),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    members.update(replace_members or {})
    members.update(extra_members or {})
    return zip_of(members)


def zip_of(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def openpyxl_xlsx(rows: Iterable[Sequence[Any]], *, first_column: int = 1) -> bytes:
    """A workbook written by openpyxl; ``None`` leaves a cell (or a whole row) empty."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row_index, row in enumerate(rows, start=1):
        for offset, value in enumerate(row):
            if value is not None:
                sheet.cell(row=row_index, column=first_column + offset, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlwt_xls(rows: Iterable[Sequence[Any]], *, first_column: int = 0) -> bytes:
    """A BIFF8 workbook written by xlwt (a test-only dependency)."""
    import datetime as dt

    import xlwt

    formats = {
        dt.datetime: xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS"),
        dt.date: xlwt.easyxf(num_format_str="YYYY-MM-DD"),
        dt.time: xlwt.easyxf(num_format_str="HH:MM:SS"),
    }
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Customers")
    for row_index, row in enumerate(rows):
        for offset, value in enumerate(row):
            if value is None:
                continue
            style = formats.get(type(value))
            if style is None:
                sheet.write(row_index, first_column + offset, value)
            else:
                sheet.write(row_index, first_column + offset, value, style)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_member(archive: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same zip with one member's content transformed (the others copied as is)."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return buffer.getvalue()


def set_dimension(archive: bytes, reference: str) -> bytes:
    def change(sheet: bytes) -> bytes:
        changed, count = re.subn(
            rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{reference}"/>'.encode(), sheet
        )
        assert count == 1, "openpyxl wrote no <dimension> element"
        return changed

    return rewrite_member(archive, "xl/worksheets/sheet1.xml", change)


def zeros_bomb(member: str, size: int, *, zip64: bool = True) -> bytes:
    """A zip holding ``size`` zero bytes under ``member``, streamed, never in memory."""
    buffer = io.BytesIO()
    block = bytes(1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.format(workbook_type=XLSX_CONTENT_TYPE)
        )
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        with archive.open(member, "w", force_zip64=zip64) as stream:
            for _ in range(size // len(block)):
                stream.write(block)
    return buffer.getvalue()


def lie_about_size(archive: bytes, member: str, declared_size: int) -> bytes:
    """Patch a member's sizes and CRC so its headers announce only ``declared_size`` bytes.

    The CRC is made to match the first ``declared_size`` bytes, which is exactly what a
    reader that stops at the declared size would check.
    """
    reader = zipfile.ZipFile(io.BytesIO(archive))
    info = reader.getinfo(member)
    with reader.open(member) as stream:
        head = stream.read(declared_size)
    assert info.file_size < 0xFFFFFFFF and info.compress_size < 0xFFFFFFFF, "no ZIP64 here"
    crc = zlib.crc32(head)
    patched = bytearray(archive)
    # Local header: CRC at +14, compressed size at +18, uncompressed size at +22.
    struct.pack_into("<I", patched, info.header_offset + 14, crc)
    struct.pack_into("<I", patched, info.header_offset + 22, declared_size)
    # Central directory entry: CRC at +16, uncompressed size at +24.
    entry = _central_entry_offset(bytes(patched), member)
    struct.pack_into("<I", patched, entry + 16, crc)
    struct.pack_into("<I", patched, entry + 24, declared_size)
    return bytes(patched)


def _central_entry_offset(archive: bytes, member: str) -> int:
    position = archive.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", archive, position + 28)[0]
        name = archive[position + 46 : position + 46 + name_length].decode()
        if name == member:
            return position
        position = archive.find(b"PK\x01\x02", position + 46)
    raise AssertionError(f"{member} not in the central directory")


def inline_string_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


BILLION_LAUGHS = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def encrypted_xlsx(plain: bytes, password: str = "secret") -> bytes:
    """An .xlsx encrypted by msoffcrypto-tool (a test-only dependency), as Excel does."""
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, encrypted)
    return encrypted.getvalue()


def xls_with_filepass(xls: bytes) -> bytes:
    """An xlwt workbook whose CODEPAGE record is overwritten by a FILEPASS record.

    FILEPASS is what Excel writes into a workbook protected by a password to open;
    both records are 2 bytes long here, so the OLE2 container stays valid.
    """
    codepage = b"\x42\x00\x02\x00\xb0\x04"  # CODEPAGE 1200 (UTF-16), as xlwt writes it
    assert xls.count(codepage) == 1
    return xls.replace(codepage, b"\x2f\x00\x02\x00\x00\x00")


def xls_with_vba_storage(xls: bytes) -> bytes:
    """An xlwt workbook with a ``_VBA_PROJECT_CUR`` storage, the home of VBA macros.

    xlwt leaves unused 128-byte entries in the OLE2 directory; the third one gets the
    name and type of the storage Excel writes for workbooks with macros.
    """
    directory = xls.find("Root Entry".encode("utf-16-le"))
    entry = directory + 2 * 128
    assert xls[entry + 66] == 0, "the third directory entry is in use"
    name = "_VBA_PROJECT_CUR".encode("utf-16-le") + b"\x00\x00"
    patched = bytearray(xls)
    patched[entry : entry + 64] = name.ljust(64, b"\x00")
    struct.pack_into("<HB", patched, entry + 64, len(name), 1)  # length, type: storage
    return bytes(patched)
