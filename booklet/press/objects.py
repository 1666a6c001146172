"""A file booklet has just written, as PDF objects it can edit and write back compactly.

ReportLab and pypdf, the two writers a booklet PDF comes from, both write a classic
cross-reference table and every object whole, in order (`N 0 obj ... endobj`). Tagging a file
(booklet.press.structure) edits a handful of those objects (the catalogue, the pages, a form
or link now and then) and adds a few hundred small ones; this module reads what it needs by
its offset, parses only the objects asked for, and writes the file again with its small
dictionaries packed into compressed object streams, as PDF 1.5 allows.

It is a small reader for files booklet made, not for any PDF: no encryption, no incremental
updates, no object streams on the way in (a file that has them is refused, not guessed at).
It replaced pikepdf here: loading pikepdf and qpdf cost a card's process a tenth of a second
and 7 MB, more than drawing the card.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple, TypeAlias


class Name(str):
    """A PDF name, `/Name`, held without its slash."""

    __slots__ = ()


class Ref(NamedTuple):
    """An indirect reference, `12 0 R` (booklet's writers use generation 0 only)."""

    number: int


class Stream(NamedTuple):
    """A stream object: its dictionary and its bytes as stored (still encoded)."""

    dictionary: dict[Name, Value]
    data: bytes


Value: TypeAlias = (
    "None | bool | int | float | Name | bytes | Ref | list[Value] | dict[Name, Value] | Stream"
)


class PdfSyntaxError(ValueError):
    """The bytes are not a file booklet's writers make."""


# --- reading -----------------------------------------------------------------------------------

_WHITE = b" \t\r\n\f\x00"
_DELIMITERS = b"()<>[]{}/%"
_TOKEN = re.compile(rb"[^ \t\r\n\f\x00()<>\[\]{}/%]+")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)\Z")
_REF_TAIL = re.compile(rb"[ \t\r\n\f\x00]+(\d+)[ \t\r\n\f\x00]+R(?![^ \t\r\n\f\x00()<>\[\]{}/%])")
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
MAX_DEPTH = 64  # arrays and dictionaries within each other; booklet writes four at most


class Parser:
    """PDF object syntax from a position in a buffer (ISO 32000-1, 7.3)."""

    def __init__(self, data: bytes, at: int = 0) -> None:
        self.data = data
        self.at = at

    def skip_space(self) -> None:
        data, at, size = self.data, self.at, len(self.data)
        while at < size:
            byte = data[at]
            if byte in _WHITE:
                at += 1
            elif byte == 0x25:  # % a comment, to the end of its line
                while at < size and data[at] not in b"\r\n":
                    at += 1
            else:
                break
        self.at = at

    def value(self, depth: int = 0) -> Value:
        if depth > MAX_DEPTH:
            raise PdfSyntaxError("objects nested too deeply")
        self.skip_space()
        data, at = self.data, self.at
        if at >= len(data):
            raise PdfSyntaxError("the file ends inside an object")
        byte = data[at]
        if byte == 0x2F:  # /
            token = _TOKEN.match(data, at + 1)
            self.at = token.end() if token else at + 1
            raw = token.group(0) if token else b""
            return Name(_unescape_name(raw).decode("latin-1"))
        if data.startswith(b"<<", at):
            self.at = at + 2
            entries: dict[Name, Value] = {}
            while True:
                self.skip_space()
                if self.data.startswith(b">>", self.at):
                    self.at += 2
                    return entries
                key = self.value(depth + 1)
                if not isinstance(key, Name):
                    raise PdfSyntaxError("a dictionary key that is not a name")
                entries[key] = self.value(depth + 1)
        if byte == 0x5B:  # [
            self.at = at + 1
            items: list[Value] = []
            while True:
                self.skip_space()
                if self.data.startswith(b"]", self.at):
                    self.at += 1
                    return items
                items.append(self.value(depth + 1))
        if byte == 0x28:  # (
            return self.literal_string()
        if byte == 0x3C:  # <
            end = data.find(b">", at)
            if end < 0:
                raise PdfSyntaxError("a hex string that never ends")
            digits = bytes(c for c in data[at + 1 : end] if c not in _WHITE)
            self.at = end + 1
            if len(digits) % 2:
                digits += b"0"
            try:
                return bytes.fromhex(digits.decode("ascii"))
            except ValueError:
                raise PdfSyntaxError("a hex string with a character that is not hex") from None
        token = _TOKEN.match(data, at)
        if token is None:
            raise PdfSyntaxError(f"unexpected {data[at : at + 1]!r} at byte {at}")
        word = token.group(0)
        self.at = token.end()
        if word == b"true":
            return True
        if word == b"false":
            return False
        if word == b"null":
            return None
        if not _NUMBER.match(word):
            raise PdfSyntaxError(f"unexpected {word[:20]!r} at byte {at}")
        if b"." in word:
            return float(word)
        number = int(word)
        ref = _REF_TAIL.match(data, self.at)
        if ref is not None and number >= 0:
            if int(ref.group(1)) != 0:
                raise PdfSyntaxError("an object generation other than 0")
            self.at = ref.end()
            return Ref(number)
        return number

    def literal_string(self) -> bytes:
        data, at = self.data, self.at + 1
        out = bytearray()
        depth = 0
        size = len(data)
        while at < size:
            byte = data[at]
            if byte == 0x5C:  # backslash
                at += 1
                if at >= size:
                    break
                escaped = data[at]
                if escaped in _ESCAPES:
                    out += _ESCAPES[escaped]
                    at += 1
                elif 0x30 <= escaped <= 0x37:  # up to three octal digits
                    end = at
                    while end < at + 3 and end < size and 0x30 <= data[end] <= 0x37:
                        end += 1
                    out.append(int(data[at:end], 8) & 0xFF)
                    at = end
                elif escaped == 0x0D:  # a line continuation
                    at += 2 if data.startswith(b"\r\n", at) else 1
                elif escaped == 0x0A:
                    at += 1
                else:
                    out.append(escaped)
                    at += 1
                continue
            if byte == 0x28:
                depth += 1
            elif byte == 0x29:
                if depth == 0:
                    self.at = at + 1
                    return bytes(out)
                depth -= 1
            out.append(byte)
            at += 1
        raise PdfSyntaxError("a string that never ends")


def _unescape_name(raw: bytes) -> bytes:
    if b"#" not in raw:
        return raw
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


_XREF = re.compile(rb"xref[ \t\r\n]+")
_STARTXREF = re.compile(rb"startxref[ \t\r\n]+(\d{1,12})[ \t\r\n]+%%EOF[ \t\r\n]*\Z")
_SUBSECTION = re.compile(rb"(\d{1,10}) (\d{1,10})[ \t]*\r?\n")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_OBJ = re.compile(rb"[ \t\r\n]*(\d{1,10})[ \t\r\n]+0[ \t\r\n]+obj\b")
_STREAM_START = re.compile(rb"[ \t]*(?:\r\n|\n|\r)?stream(?:\r\n|\n)")
MAX_OBJECTS = 1_000_000  # far beyond any file booklet writes


class Document:
    """A file's objects by number: parsed when first asked for, kept as written otherwise.

    `get` returns a parsed object (a stream's dictionary is editable, its data as stored);
    `put` replaces one; `add` gives a new one its number. `write` writes every object once,
    in number order, its small dictionaries in compressed object streams."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        self.offsets, table = _cross_reference(pdf)
        # each object's bytes end where the next begins (both writers write them in order)
        starts = sorted(self.offsets.values()) + [table]
        ends = dict(zip(starts, starts[1:], strict=False))
        self.ends = {number: ends[offset] for number, offset in self.offsets.items()}
        self.trailer = _trailer(pdf)
        self.parsed: dict[int, Value] = {}
        self.touched: set[int] = set()  # handed out (and maybe edited) or new: written anew
        self.size = max(self.offsets, default=0) + 1

    # objects

    def get(self, number: int) -> Value:
        value = self._load(number)
        self.touched.add(number)
        return value

    def resolve(self, value: Value) -> Value:
        """The object a reference points to; any other value as it is."""
        return self.get(value.number) if isinstance(value, Ref) else value

    def dictionary(self, value: Value) -> dict[Name, Value]:
        """A dictionary, direct or referred to (a stream's dictionary for a stream)."""
        found = self.resolve(value)
        if isinstance(found, Stream):
            return found.dictionary
        if not isinstance(found, dict):
            raise PdfSyntaxError("expected a dictionary")
        return found

    def put(self, number: int, value: Value) -> None:
        self.parsed[number] = value
        self.touched.add(number)

    def add(self, value: Value) -> Ref:
        number = self.size
        self.size += 1
        self.put(number, value)
        return Ref(number)

    @property
    def root(self) -> dict[Name, Value]:
        return self.dictionary(self.trailer[Name("Root")])

    def pages(self) -> list[Ref]:
        """The page objects in order, from the page tree."""
        found: list[Ref] = []
        seen: set[int] = set()

        def walk(node: Value, depth: int) -> None:
            if not isinstance(node, Ref) or node.number in seen or depth > MAX_DEPTH:
                raise PdfSyntaxError("a page tree that is not a tree")
            seen.add(node.number)
            entries = self.dictionary(node)
            if entries.get(Name("Type")) == Name("Pages"):
                kids = self.resolve(entries.get(Name("Kids"), []))
                for kid in kids if isinstance(kids, list) else []:
                    walk(kid, depth + 1)
            else:
                found.append(node)

        walk(self.root[Name("Pages")], 0)
        return found

    def _load(self, number: int) -> Value:
        if number in self.parsed:
            return self.parsed[number]
        value: Value = None  # a free or missing object is null (ISO 32000-1, 7.3.10)
        offset = self.offsets.get(number)
        if offset is not None:
            value = self._read(number, offset)
        self.parsed[number] = value
        return value

    def _read(self, number: int, offset: int) -> Value:
        header = _OBJ.match(self.pdf, offset)
        if header is None or int(header.group(1)) != number:
            raise PdfSyntaxError(f"object {number} is not where the cross-reference says")
        parser = Parser(self.pdf, header.end())
        value = parser.value()
        if isinstance(value, dict):
            start = _STREAM_START.match(self.pdf, parser.at)
            if start is not None:
                length = value.get(Name("Length"))
                if isinstance(length, Ref):
                    length = self._load(length.number)
                if not isinstance(length, int) or length < 0:
                    raise PdfSyntaxError(f"object {number}: a stream without a length")
                data = self.pdf[start.end() : start.end() + length]
                if len(data) != length:
                    raise PdfSyntaxError(f"object {number}: a stream past the end of the file")
                value = Stream(value, data)
        return value

    # writing

    def write(self, version: str, per_stream: int = 100) -> bytes:
        """The file again, `%PDF-<version>`: streams as they are, the other objects packed
        `per_stream` to a compressed object stream, and a cross-reference stream whose /ID is
        sixteen zero bytes (booklet.press.pdf.with_content_id_in_stream sets it)."""
        out = bytearray(b"%PDF-" + version.encode("ascii") + b"\n%\x93\x8c\x8b\x9e\n")
        where: dict[int, tuple[int, int, int]] = {}  # number -> (kind, field 2, field 3)
        packed: list[tuple[int, bytes]] = []
        for number in range(1, self.size):
            if number not in self.offsets and number not in self.touched:
                continue  # free
            body = self._serialized(number)
            if body.endswith(b"endstream"):  # a stream (nothing else ends so)
                where[number] = (1, len(out), 0)
                out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
            else:
                packed.append((number, body))
        next_number = self.size
        for start in range(0, len(packed), per_stream):
            chunk = packed[start : start + per_stream]
            heads, bodies = [], bytearray()
            for index, (number, body) in enumerate(chunk):
                heads.append(b"%d %d" % (number, len(bodies)))
                bodies += body + b"\n"
                where[number] = (2, next_number, index)
            head = b" ".join(heads) + b"\n"
            data = zlib.compress(head + bytes(bodies), 9)
            where[next_number] = (1, len(out), 0)
            out += (
                b"%d 0 obj\n<</Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d>>"
                b"\nstream\n" % (next_number, len(chunk), len(head), len(data))
            )
            out += data + b"\nendstream\nendobj\n"
            next_number += 1
        xref_number = next_number
        where[xref_number] = (1, len(out), 0)
        rows = bytearray(b"\x00\x00\x00\x00\x00\xff\xff")  # object 0, free
        for number in range(1, xref_number + 1):
            kind, second, third = where.get(number, (0, 0, 0))
            rows += bytes([kind]) + second.to_bytes(4, "big") + third.to_bytes(2, "big")
        data = zlib.compress(bytes(rows), 9)
        trailer = b"/Root " + serialize(self.trailer[Name("Root")])
        if Name("Info") in self.trailer:
            trailer += b" /Info " + serialize(self.trailer[Name("Info")])
        zeros = b"0" * 32
        start = len(out)
        out += (
            b"%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] %s /ID [<%s><%s>] "
            b"/Filter /FlateDecode /Length %d>>\nstream\n"
            % (xref_number, xref_number + 1, trailer, zeros, zeros, len(data))
        )
        out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start
        return bytes(out)

    def _serialized(self, number: int) -> bytes:
        if number not in self.touched:
            return self._written(number)
        value = self.parsed[number]
        if isinstance(value, Stream):
            entries = dict(value.dictionary)
            entries[Name("Length")] = len(value.data)
            return serialize(entries) + b"\nstream\n" + value.data + b"\nendstream"
        return serialize(value)

    def _written(self, number: int) -> bytes:
        """An object as its writer wrote it, between `obj` and `endobj`: up to where the
        next object begins, so nothing inside it (a string, a stream) is read for its end."""
        offset = self.offsets[number]
        header = _OBJ.match(self.pdf, offset)
        if header is None or int(header.group(1)) != number:
            raise PdfSyntaxError(f"object {number} is not where the cross-reference says")
        body = self.pdf[header.end() : self.ends[number]].rstrip(_WHITE)
        if not body.endswith(b"endobj"):
            raise PdfSyntaxError(f"object {number} does not end where the next begins")
        return body[: -len(b"endobj")].strip(_WHITE)


def _cross_reference(pdf: bytes) -> tuple[dict[int, int], int]:
    """Object number -> offset, from the file's one classic cross-reference table, and where
    that table is."""
    found = _STARTXREF.search(pdf, max(0, len(pdf) - 64))
    if found is None:
        raise PdfSyntaxError("no startxref at the end of the file")
    at = int(found.group(1))
    table = _XREF.match(pdf, at)
    if table is None:
        raise PdfSyntaxError("not a classic cross-reference table (object streams?)")
    at = table.end()
    offsets: dict[int, int] = {}
    while True:
        section = _SUBSECTION.match(pdf, at)
        if section is None:
            break
        first, count = int(section.group(1)), int(section.group(2))
        if first + count > MAX_OBJECTS:
            raise PdfSyntaxError("more objects than booklet writes")
        at = section.end()
        for number in range(first, first + count):
            entry = _ENTRY.match(pdf, at)
            if entry is None:
                raise PdfSyntaxError("a cross-reference entry that is not 20 bytes")
            if entry.group(3) == b"n" and number:
                if int(entry.group(2)) != 0:
                    raise PdfSyntaxError("an object generation other than 0")
                offsets[number] = int(entry.group(1))
            at += 20
    return offsets, int(found.group(1))


def _trailer(pdf: bytes) -> dict[Name, Value]:
    at = pdf.rfind(b"trailer")
    if at < 0:
        raise PdfSyntaxError("no trailer")
    value = Parser(pdf, at + len(b"trailer")).value()
    if not isinstance(value, dict):
        raise PdfSyntaxError("a trailer that is not a dictionary")
    if Name("Prev") in value or Name("Encrypt") in value:
        raise PdfSyntaxError("an updated or encrypted file, which booklet does not write")
    return value


# --- writing -----------------------------------------------------------------------------------

_NAME_PLAIN = frozenset(range(0x21, 0x7F)) - frozenset(b"#()<>[]{}/%")


def serialize(value: Value) -> bytes:
    """One object in PDF syntax, compactly."""
    out: list[bytes] = []
    _write(value, out.append)
    return b"".join(out)


def _write(value: Value, put: Callable[[bytes], object]) -> None:
    # most frequent first: this runs for every value of every new object
    if isinstance(value, dict):
        put(b"<<")
        for key, item in value.items():
            put(_name_bytes(key))
            put(b" ")
            _write(item, put)
        put(b">>")
    elif isinstance(value, Ref):
        put(b"%d 0 R" % value.number)
    elif isinstance(value, Name):
        put(_name_bytes(value))
    elif isinstance(value, bool):
        put(b"true" if value else b"false")
    elif isinstance(value, int):
        put(b"%d" % value)
    elif isinstance(value, list):
        put(b"[")
        for index, item in enumerate(value):
            if index:
                put(b" ")
            _write(item, put)
        put(b"]")
    elif isinstance(value, bytes):
        put(_string_bytes(value))
    elif value is None:
        put(b"null")
    elif isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        put((text if text not in ("", "-", "-0") else "0").encode("ascii"))
    else:
        raise TypeError(f"not a PDF value: {type(value).__name__}")


@lru_cache(maxsize=4096)
def _name_bytes(name: str) -> bytes:
    raw = name.encode("utf-8")
    if all(c in _NAME_PLAIN for c in raw):
        return b"/" + raw
    return b"/" + b"".join(bytes([c]) if c in _NAME_PLAIN else b"#%02X" % c for c in raw)


def _string_bytes(data: bytes) -> bytes:
    """A literal string: its bytes as they are, but for the three a string must escape and
    the carriage return (which a reader would take for a line end)."""
    escaped = (
        data.replace(b"\\", b"\\\\")
        .replace(b"(", b"\\(")
        .replace(b")", b"\\)")
        .replace(b"\r", b"\\r")
    )
    return b"(" + escaped + b")"


# PDFDocEncoding (ISO 32000-1, Annex D) where it differs from Latin-1: the one-byte encoding
# of a text string, which takes half the room of UTF-16 for the languages that fit in it.
_PDFDOC_HIGH = "•†‡…—–ƒ⁄‹›−‰„“”‘’‚™ﬁﬂŁŒŠŸŽıłœšž"  # 0x80 to 0x9E
_TO_PDFDOC = {ord(c): 0x80 + i for i, c in enumerate(_PDFDOC_HIGH)} | {ord("€"): 0xA0}
_PDFDOC_SAME = frozenset((0x09, 0x0A, 0x0D, *range(0xA1, 0xAD), *range(0xAE, 0x100)))
_FROM_PDFDOC = {v: chr(k) for k, v in _TO_PDFDOC.items()}


def text_string(text: str) -> bytes:
    """A PDF text string: PDFDocEncoding when every character has a byte there, UTF-16BE
    with its byte-order mark otherwise."""
    out = bytearray()
    for char in text:
        code = ord(char)
        if 0x20 <= code < 0x7F or code in _PDFDOC_SAME:
            out.append(code)
        elif code in _TO_PDFDOC:
            out.append(_TO_PDFDOC[code])
        else:
            return b"\xfe\xff" + text.encode("utf-16-be")
    return bytes(out)


def decode_text(data: Value) -> str:
    """A PDF text string as text: UTF-16BE with its mark, UTF-8 with its mark, or
    PDFDocEncoding."""
    if not isinstance(data, bytes):
        return ""
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    return "".join(_FROM_PDFDOC.get(byte) or chr(byte) for byte in data)
