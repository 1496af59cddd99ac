#!/usr/bin/python3
"""Independent ReadyToRun (R2R) PE image reader used as a test oracle.

It shares no code with the Java reader: the tests compare both readers' figures for every
fixture image and every image r2rlab emits. Standard library only (struct parsing). Usage:
    r2r_oracle.py IMAGE           -> one JSON object on stdout
    r2r_oracle.py --all FIXTURES  -> one JSON object on stdout, keyed by path relative to FIXTURES;
                                     one summary line per image on stderr
    r2r_oracle.py --dir DIR       -> the same for every *.dll directly in DIR, keyed by file name
"""
import bisect
import glob
import json
import os
import struct
import sys

FIXTURE_ROOT = "../shared/fixtures"
FIXTURE_DIRS = ("r2r", "r2r-net11-async")

OS_XOR = [  # order matters only for ties; Windows (0) first
    ("windows", 0x0000),
    ("linux", 0x7B79),
    ("macos", 0x4644),
    ("freebsd", 0xADC4),
    ("netbsd", 0x1993),
]
MACHINES = {0x8664: "x64", 0xAA64: "arm64", 0x014C: "x86", 0x01C4: "arm"}

SEC_COMPILER_ID = 100
SEC_IMPORT_SECTIONS = 101
SEC_RUNTIME_FUNCTIONS = 102
SEC_METHODDEF_ENTRYPOINTS = 103
SEC_INSTANCE_ENTRYPOINTS = 109
SEC_HOT_COLD_MAP = 120
SEC_EXCEPTION_INFO = 104
# r2rlab's own section of Tier1 code versions (docs/emitter.md): u32 count, then 20-byte entries
# {MethodDef token, body kind, runtime function index, code RVA, fixup list RVA or 0}.
SEC_R2RLAB_TIER1 = 0x7F01
TIER1_KIND_ASYNC_VARIANT = 2
TIER1_KIND_RESUMPTION_STUB = 3

FIXUP_RESUMPTION_STUB = 0x38
SIG_FLAG_UNBOXING = 0x01
SIG_FLAG_INSTANTIATING = 0x02
SIG_FLAG_METHOD_INST = 0x04
SIG_FLAG_SLOT = 0x08
SIG_FLAG_MEMBERREF = 0x10
SIG_FLAG_CONSTRAINED = 0x20
SIG_FLAG_OWNER_TYPE = 0x40
SIG_FLAG_UPDATE_CONTEXT = 0x80
SIG_FLAG_ASYNC_VARIANT = 0x100


FIELD_ORDER = (
    "r2rVersion", "machine", "architecture", "os", "imageBase", "flags", "sections",
    "compilerIdentifier", "runtimeFunctionCount", "methodDefSlots", "methodDefEntryPoints",
    "instanceEntryPoints", "asyncVariants", "fixupKinds", "importSections", "resumptionStubs",
    "methods", "runtimeFunctions",
)


class R2RError(Exception):
    pass


# ---------------------------------------------------------------------------
# PE image
# ---------------------------------------------------------------------------
class PEImage:
    def __init__(self, data):
        self.data = data
        if data[:2] != b"MZ":
            raise R2RError("no MZ signature")
        (e_lfanew,) = struct.unpack_from("<I", data, 0x3C)
        if data[e_lfanew:e_lfanew + 4] != b"PE\0\0":
            raise R2RError("no PE signature")
        coff = e_lfanew + 4
        (self.machine, nsec, _ts, _symptr, _nsym, opt_size, _chars) = struct.unpack_from(
            "<HHIIIHH", data, coff)
        opt = coff + 20
        (magic,) = struct.unpack_from("<H", data, opt)
        if magic == 0x20B:
            self.pe32plus = True
            dd_off = opt + 112
            (ndirs,) = struct.unpack_from("<I", data, opt + 108)
        elif magic == 0x10B:
            self.pe32plus = False
            dd_off = opt + 96
            (ndirs,) = struct.unpack_from("<I", data, opt + 92)
        else:
            raise R2RError("unknown optional header magic 0x%x" % magic)
        self.pointer_size = 8 if self.pe32plus else 4
        if self.pe32plus:
            (self.image_base,) = struct.unpack_from("<Q", data, opt + 24)
        else:
            (self.image_base,) = struct.unpack_from("<I", data, opt + 28)
        self.dirs = []
        for i in range(min(ndirs, 16)):
            self.dirs.append(struct.unpack_from("<II", data, dd_off + 8 * i))
        self.sections = []
        sh = opt + opt_size
        for i in range(nsec):
            name, vsize, va, rawsize, rawptr = struct.unpack_from("<8sIIII", data, sh + 40 * i)
            self.sections.append((va, vsize, rawptr, rawsize))

    def rva_to_offset(self, rva):
        for va, vsize, rawptr, rawsize in self.sections:
            size = max(vsize, rawsize)
            if va <= rva < va + size:
                off = rva - va
                if off >= rawsize:
                    raise R2RError("RVA 0x%x lies in uninitialized data" % rva)
                return rawptr + off
        raise R2RError("RVA 0x%x not mapped by any section" % rva)

    def u8(self, off):
        return self.data[off]

    def u16(self, off):
        return struct.unpack_from("<H", self.data, off)[0]

    def u32(self, off):
        return struct.unpack_from("<I", self.data, off)[0]


# ---------------------------------------------------------------------------
# NativeFormat primitives (operate on file offsets)
# ---------------------------------------------------------------------------
def nf_unsigned(data, off):
    """Returns (value, next_offset)."""
    b0 = data[off]
    if b0 & 1 == 0:
        return b0 >> 1, off + 1
    if b0 & 2 == 0:
        return (b0 >> 2) | (data[off + 1] << 6), off + 2
    if b0 & 4 == 0:
        return (b0 >> 3) | (data[off + 1] << 5) | (data[off + 2] << 13), off + 3
    if b0 & 8 == 0:
        return ((b0 >> 4) | (data[off + 1] << 4) | (data[off + 2] << 12)
                | (data[off + 3] << 20)), off + 4
    if b0 & 16 == 0:
        return struct.unpack_from("<I", data, off + 1)[0], off + 5
    raise R2RError("64-bit NativeFormat value where 32-bit expected at 0x%x" % off)


def nf_signed(data, off):
    b0 = data[off]
    if b0 & 1 == 0:
        v = b0 >> 1
        if v & 0x40:
            v -= 0x80
        return v, off + 1
    if b0 & 2 == 0:
        b1 = data[off + 1]
        if b1 >= 0x80:
            b1 -= 0x100
        return (b0 >> 2) | (b1 << 6), off + 2
    if b0 & 4 == 0:
        b2 = data[off + 2]
        if b2 >= 0x80:
            b2 -= 0x100
        return (b0 >> 3) | (data[off + 1] << 5) | (b2 << 13), off + 3
    if b0 & 8 == 0:
        b3 = data[off + 3]
        if b3 >= 0x80:
            b3 -= 0x100
        return (b0 >> 4) | (data[off + 1] << 4) | (data[off + 2] << 12) | (b3 << 20), off + 4
    if b0 & 16 == 0:
        return struct.unpack_from("<i", data, off + 1)[0], off + 5
    raise R2RError("64-bit NativeFormat signed value at 0x%x" % off)


def native_array_elements(data, start):
    """Returns (count, {index: element_offset}) for a NativeArray at file offset start."""
    header, base = nf_unsigned(data, start)
    count = header >> 2
    width_code = header & 3
    if width_code == 0:
        width, fmt = 1, "<B"
    elif width_code == 1:
        width, fmt = 2, "<H"
    elif width_code == 2:
        width, fmt = 4, "<I"
    else:
        raise R2RError("bad NativeArray entry index size 3")
    found = {}
    for index in range(count):
        (rel,) = struct.unpack_from(fmt, data, base + width * (index // 16))
        p = base + rel
        present = True
        bit = 8
        while bit:
            val, p2 = nf_unsigned(data, p)
            if index & bit:
                if val & 2:
                    p += val >> 2
                    bit >>= 1
                    continue
            else:
                if val & 1:
                    p = p2
                    bit >>= 1
                    continue
            if (val & 3) == 0 and (val >> 2) == (index & 15):
                p = p2
                break
            present = False
            break
        if present:
            found[index] = p
    return count, found


def native_hashtable_entries(data, start):
    """Yields (low_hash_byte, vertex_file_offset) for every entry of a NativeHashtable."""
    header = data[start]
    base = start + 1
    buckets = 1 << (header >> 2)
    width_code = header & 3
    if width_code == 0:
        width, fmt = 1, "<B"
    elif width_code == 1:
        width, fmt = 2, "<H"
    elif width_code == 2:
        width, fmt = 4, "<I"
    else:
        raise R2RError("bad NativeHashtable entry index size 3")
    bounds = [struct.unpack_from(fmt, data, base + width * k)[0] for k in range(buckets + 1)]
    out = []
    for k in range(buckets):
        p = base + bounds[k]
        end = base + bounds[k + 1]
        while p < end:
            low = data[p]
            p += 1
            rel, p_next = nf_signed(data, p)
            out.append((low, p + rel))
            p = p_next
        if p != end:
            raise R2RError("hashtable bucket %d overruns its end" % k)
    return out


def decode_entry_point(data, off):
    """Entry-point value -> (runtime_function_index, fixup_blob_offset or None)."""
    v, after = nf_unsigned(data, off)
    if v & 1 == 0:
        return v >> 1, None
    if v & 2 == 0:
        return v >> 2, after
    d, _ = nf_unsigned(data, after)
    return v >> 2, after - d


class NibbleStream:
    def __init__(self, data, off):
        self.data = data
        self.off = off
        self.pending = None

    def nibble(self):
        if self.pending is not None:
            n = self.pending
            self.pending = None
            return n
        b = self.data[self.off]
        self.off += 1
        self.pending = b >> 4
        return b & 0x0F

    def unsigned(self):
        value = 0
        while True:
            n = self.nibble()
            value = (value << 3) | (n & 7)
            if not (n & 8):
                return value


def decode_fixup_list(data, off):
    """Returns list of (import_section_index, slot)."""
    ns = NibbleStream(data, off)
    cells = []
    table = ns.unsigned()
    while True:
        slot = ns.unsigned()
        cells.append((table, slot))
        while True:
            delta = ns.unsigned()
            if delta == 0:
                break
            slot += delta
            cells.append((table, slot))
        tdelta = ns.unsigned()
        if tdelta == 0:
            break
        table += tdelta
    return cells


# ---------------------------------------------------------------------------
# ECMA-335 compressed integers and signature skipping
# ---------------------------------------------------------------------------
def comp_uint(data, off):
    b0 = data[off]
    if b0 & 0x80 == 0:
        return b0, off + 1
    if b0 & 0xC0 == 0x80:
        return ((b0 & 0x3F) << 8) | data[off + 1], off + 2
    if b0 & 0xE0 == 0xC0:
        return (((b0 & 0x1F) << 24) | (data[off + 1] << 16) | (data[off + 2] << 8)
                | data[off + 3]), off + 4
    raise R2RError("bad compressed integer 0x%02x at 0x%x" % (b0, off))


PRIMITIVES = set(range(0x01, 0x0F)) | {0x16, 0x18, 0x19, 0x1C}


def skip_type(data, off, depth=0):
    if depth > 200:
        raise R2RError("type signature nesting too deep")
    et = data[off]
    off += 1
    if et in PRIMITIVES or et == 0x3E:  # primitives, TYPEDBYREF/I/U/OBJECT, CANON_ZAPSIG
        return off
    if et == 0x3F:  # MODULE_ZAPSIG: module index, then a type
        _, off = comp_uint(data, off)
        return skip_type(data, off, depth + 1)
    if et in (0x11, 0x12):  # VALUETYPE / CLASS: TypeDefOrRef coded token
        _, off = comp_uint(data, off)
        return off
    if et == 0x15:  # GENERICINST
        off = skip_type(data, off, depth + 1)
        n, off = comp_uint(data, off)
        for _ in range(n):
            off = skip_type(data, off, depth + 1)
        return off
    if et == 0x14:  # ARRAY
        off = skip_type(data, off, depth + 1)
        _rank, off = comp_uint(data, off)
        nsizes, off = comp_uint(data, off)
        for _ in range(nsizes):
            _, off = comp_uint(data, off)
        nlo, off = comp_uint(data, off)
        for _ in range(nlo):
            _, off = comp_uint(data, off)  # lower bounds are compressed ints; same width rules
        return off
    if et in (0x1D, 0x0F, 0x10, 0x45, 0x41):  # SZARRAY, PTR, BYREF, PINNED, SENTINEL
        if et == 0x41:
            return skip_type(data, off, depth + 1)
        return skip_type(data, off, depth + 1)
    if et in (0x13, 0x1E):  # VAR / MVAR
        _, off = comp_uint(data, off)
        return off
    if et in (0x1F, 0x20):  # CMOD_REQD / CMOD_OPT: token, then the modified type
        _, off = comp_uint(data, off)
        return skip_type(data, off, depth + 1)
    if et == 0x1B:  # FNPTR: method signature
        return skip_method_sig_blob(data, off, depth + 1)
    raise R2RError("unsupported element type 0x%02x at 0x%x" % (et, off - 1))


def skip_method_sig_blob(data, off, depth):
    """ECMA-335 MethodDefSig/MethodRefSig (for FNPTR)."""
    cc = data[off]
    off += 1
    if cc & 0x10:  # GENERIC
        _, off = comp_uint(data, off)
    nparams, off = comp_uint(data, off)
    off = skip_type(data, off, depth + 1)  # return type
    for _ in range(nparams):
        if data[off] == 0x41:
            off += 1
        off = skip_type(data, off, depth + 1)
    return off


def parse_r2r_method_sig(data, off):
    """R2R method signature -> (flags, rid, is_memberref, end_offset)."""
    flags, off = comp_uint(data, off)
    if flags & SIG_FLAG_UPDATE_CONTEXT:
        _, off = comp_uint(data, off)
    if flags & SIG_FLAG_OWNER_TYPE:
        off = skip_type(data, off)
    rid, off = comp_uint(data, off)  # rid (or slot if SlotInsteadOfToken)
    if flags & SIG_FLAG_METHOD_INST:
        n, off = comp_uint(data, off)
        for _ in range(n):
            off = skip_type(data, off)
    if flags & SIG_FLAG_CONSTRAINED:
        off = skip_type(data, off)
    return flags, rid, bool(flags & SIG_FLAG_MEMBERREF), off


# ---------------------------------------------------------------------------
# ECMA-335 metadata: just enough of the #~ stream to name MethodDefs
# ---------------------------------------------------------------------------
# Column kinds: integers by width, heap indexes, simple table indexes ("t", table) and coded
# indexes ("c", name), as ECMA-335 II.22 lists them.
U16, U32, U8, STR, GUID, BLOB = "u16", "u32", "u8", "str", "guid", "blob"
CODED = {
    "TypeDefOrRef": (2, (0x02, 0x01, 0x1B)),
    "HasConstant": (2, (0x04, 0x08, 0x17)),
    "HasCustomAttribute": (5, (0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0A, 0x00, 0x0E, 0x17, 0x14, 0x11,
                               0x1A, 0x1B, 0x20, 0x23, 0x26, 0x27, 0x28, 0x2A, 0x2C, 0x2B)),
    "HasFieldMarshal": (1, (0x04, 0x08)),
    "HasDeclSecurity": (2, (0x02, 0x06, 0x20)),
    "MemberRefParent": (3, (0x02, 0x01, 0x1A, 0x06, 0x1B)),
    "HasSemantics": (1, (0x14, 0x17)),
    "MethodDefOrRef": (1, (0x06, 0x0A)),
    "MemberForwarded": (1, (0x04, 0x06)),
    "Implementation": (2, (0x26, 0x23, 0x27)),
    "CustomAttributeType": (3, (0x06, 0x0A)),  # tags 2 and 3; the unused tags name no table
    "ResolutionScope": (2, (0x00, 0x1A, 0x23, 0x01)),
    "TypeOrMethodDef": (1, (0x02, 0x06)),
}


def _t(table):
    return ("t", table)


def _c(name):
    return ("c", name)


TABLE_COLUMNS = {
    0x00: (U16, STR, GUID, GUID, GUID),                                   # Module
    0x01: (_c("ResolutionScope"), STR, STR),                              # TypeRef
    0x02: (U32, STR, STR, _c("TypeDefOrRef"), _t(0x04), _t(0x06)),        # TypeDef
    0x03: (_t(0x04),),                                                    # FieldPtr
    0x04: (U16, STR, BLOB),                                               # Field
    0x05: (_t(0x06),),                                                    # MethodPtr
    0x06: (U32, U16, U16, STR, BLOB, _t(0x08)),                           # MethodDef
    0x07: (_t(0x08),),                                                    # ParamPtr
    0x08: (U16, U16, STR),                                                # Param
    0x09: (_t(0x02), _c("TypeDefOrRef")),                                 # InterfaceImpl
    0x0A: (_c("MemberRefParent"), STR, BLOB),                             # MemberRef
    0x0B: (U8, U8, _c("HasConstant"), BLOB),                              # Constant
    0x0C: (_c("HasCustomAttribute"), _c("CustomAttributeType"), BLOB),    # CustomAttribute
    0x0D: (_c("HasFieldMarshal"), BLOB),                                  # FieldMarshal
    0x0E: (U16, _c("HasDeclSecurity"), BLOB),                             # DeclSecurity
    0x0F: (U16, U32, _t(0x02)),                                           # ClassLayout
    0x10: (U32, _t(0x04)),                                                # FieldLayout
    0x11: (BLOB,),                                                        # StandAloneSig
    0x12: (_t(0x02), _t(0x14)),                                           # EventMap
    0x13: (_t(0x14),),                                                    # EventPtr
    0x14: (U16, STR, _c("TypeDefOrRef")),                                 # Event
    0x15: (_t(0x02), _t(0x17)),                                           # PropertyMap
    0x16: (_t(0x17),),                                                    # PropertyPtr
    0x17: (U16, STR, BLOB),                                               # Property
    0x18: (U16, _t(0x06), _c("HasSemantics")),                            # MethodSemantics
    0x19: (_t(0x02), _c("MethodDefOrRef"), _c("MethodDefOrRef")),         # MethodImpl
    0x1A: (STR,),                                                         # ModuleRef
    0x1B: (BLOB,),                                                        # TypeSpec
    0x1C: (U16, _c("MemberForwarded"), STR, _t(0x1A)),                    # ImplMap
    0x1D: (U32, _t(0x04)),                                                # FieldRVA
    0x1E: (U32, U32),                                                     # EncLog
    0x1F: (U32,),                                                         # EncMap
    0x20: (U32, U16, U16, U16, U16, U32, BLOB, STR, STR),                 # Assembly
    0x21: (U32,),                                                         # AssemblyProcessor
    0x22: (U32, U32, U32),                                                # AssemblyOS
    0x23: (U16, U16, U16, U16, U32, BLOB, STR, STR, BLOB),                # AssemblyRef
    0x24: (U32, _t(0x23)),                                                # AssemblyRefProcessor
    0x25: (U32, U32, U32, _t(0x23)),                                      # AssemblyRefOS
    0x26: (U32, STR, BLOB),                                               # File
    0x27: (U32, U32, STR, STR, _c("Implementation")),                     # ExportedType
    0x28: (U32, U32, STR, _c("Implementation")),                          # ManifestResource
    0x29: (_t(0x02), _t(0x02)),                                           # NestedClass
    0x2A: (U16, U16, _c("TypeOrMethodDef"), STR),                         # GenericParam
    0x2B: (_c("MethodDefOrRef"), BLOB),                                   # MethodSpec
    0x2C: (_t(0x2A), _c("TypeDefOrRef")),                                 # GenericParamConstraint
}
TYPEDEF, METHODDEF, NESTEDCLASS = 0x02, 0x06, 0x29


class Metadata:
    """The metadata root at file offset `off`; rows are read on demand."""

    def __init__(self, data, off):
        self.data = data
        if data[off:off + 4] != b"BSJB":
            raise R2RError("no BSJB metadata signature at 0x%x" % off)
        (vlen,) = struct.unpack_from("<I", data, off + 12)
        p = off + 16 + vlen
        (nstreams,) = struct.unpack_from("<H", data, p + 2)
        p += 4
        streams = {}
        for _ in range(nstreams):
            soff, ssize = struct.unpack_from("<II", data, p)
            p += 8
            end = data.index(b"\0", p)
            name = data[p:end].decode("ascii")
            p += (end - p + 4) & ~3
            streams[name] = (off + soff, ssize)
        if "#~" not in streams:
            raise R2RError("no #~ table stream (uncompressed #- tables are not read)")
        self.strings = streams["#Strings"][0]
        t = streams["#~"][0]
        heap_sizes = data[t + 6]
        (valid,) = struct.unpack_from("<Q", data, t + 8)
        self.rows = {}
        p = t + 24
        for table in range(64):
            if valid >> table & 1:
                self.rows[table] = struct.unpack_from("<I", data, p)[0]
                p += 4
        if heap_sizes & 0x40:  # extra data word
            p += 4
        widths = {U8: 1, U16: 2, U32: 4, STR: 4 if heap_sizes & 1 else 2,
                  GUID: 4 if heap_sizes & 2 else 2, BLOB: 4 if heap_sizes & 4 else 2}
        self.layout = {}  # table -> (file offset, row size, column offsets, column widths)
        for table in sorted(self.rows):
            if table not in TABLE_COLUMNS:
                raise R2RError("metadata table 0x%02x has no known schema" % table)
            col_widths = [self._width(c, widths) for c in TABLE_COLUMNS[table]]
            col_offs = [sum(col_widths[:i]) for i in range(len(col_widths))]
            row = sum(col_widths)
            self.layout[table] = (p, row, col_offs, col_widths)
            p += row * self.rows[table]
        if self.rows.get(0x05) or self.rows.get(0x03):
            raise R2RError("MethodPtr/FieldPtr indirection is not read")
        self._enclosing = None
        self._method_lists = None

    def _width(self, column, widths):
        if isinstance(column, str):
            return widths[column]
        kind, what = column
        if kind == "t":
            return 2 if self.rows.get(what, 0) < 1 << 16 else 4
        bits, tables = CODED[what]
        most = max(self.rows.get(x, 0) for x in tables)
        return 2 if most < 1 << (16 - bits) else 4

    def row_count(self, table):
        return self.rows.get(table, 0)

    def cell(self, table, rid, col):
        start, row, offs, widths = self.layout[table]
        o = start + (rid - 1) * row + offs[col]
        return int.from_bytes(self.data[o:o + widths[col]], "little")

    def string(self, index):
        o = self.strings + index
        return self.data[o:self.data.index(b"\0", o)].decode("utf-8", errors="replace")

    def method_owner(self, rid):
        """The TypeDef whose MethodList run holds MethodDef rid (0 when none)."""
        if self._method_lists is None:
            self._method_lists = [self.cell(TYPEDEF, t, 5) for t in range(1, self.row_count(TYPEDEF) + 1)]
        t = bisect.bisect_right(self._method_lists, rid)
        if t == 0:
            return 0
        end = self._method_lists[t] if t < len(self._method_lists) else self.row_count(METHODDEF) + 1
        return t if rid < end else 0

    def type_name(self, rid):
        if self._enclosing is None:
            self._enclosing = {}
            for n in range(1, self.row_count(NESTEDCLASS) + 1):
                self._enclosing[self.cell(NESTEDCLASS, n, 0)] = self.cell(NESTEDCLASS, n, 1)
        ns = self.string(self.cell(TYPEDEF, rid, 2))
        name = self.string(self.cell(TYPEDEF, rid, 1))
        simple = ns + "." + name if ns else name
        outer = self._enclosing.get(rid)
        return self.type_name(outer) + "+" + simple if outer else simple

    def method_name(self, rid):
        name = self.string(self.cell(METHODDEF, rid, 3))
        owner = self.method_owner(rid)
        return self.type_name(owner) + "." + name if owner else name


# ---------------------------------------------------------------------------
# R2R reader
# ---------------------------------------------------------------------------
def read_runtime_functions(pe, data, arch, sections, warnings):
    """[begin, end, unwind] per RUNTIME_FUNCTION; end is -1 where the entry does not give it (x86)."""
    if SEC_RUNTIME_FUNCTIONS not in sections:
        return []
    # x64 entries are {Begin, End, UnwindData}; ARM64, ARM and x86 entries {Begin, UnwindData}, the
    # length of an ARM64/ARM function being the first field of its .xdata record.
    rf_entry = 12 if arch == "x64" else 8
    rva, size = sections[SEC_RUNTIME_FUNCTIONS]
    o = pe.rva_to_offset(rva)
    # Older images exclude the 0xFFFFFFFF sentinel from the section size, the
    # R2R 18.5 fixtures include it (size = n * entry + 4): floor division covers both.
    rem = size % rf_entry
    if rem:
        tail = struct.unpack_from("<I", data, o + size - rem)[0] if rem == 4 else None
        if tail != 0xFFFFFFFF:
            warnings.append("RuntimeFunctions size %d not a multiple of %d" % (size, rf_entry))
    out = []
    for i in range(size // rf_entry):
        e = o + rf_entry * i
        if arch == "x64":
            begin, end, unwind = struct.unpack_from("<III", data, e)
        else:
            begin, unwind = struct.unpack_from("<II", data, e)
            end = -1
            if arch in ("arm64", "arm"):
                if unwind & 3:  # packed unwind data: the length sits in the entry itself
                    length = (unwind >> 2) & 0x7FF
                else:
                    length = pe.u32(pe.rva_to_offset(unwind)) & 0x3FFFF
                end = begin + 4 * length if arch == "arm64" else (begin & ~1) + 2 * length
        out.append([begin, end, unwind])
    for a, b in zip(out, out[1:]):
        if b[0] < a[0]:
            warnings.append("RuntimeFunctions not sorted by BeginAddress")
    return out


def rf_starting_at(rfs, rva):
    """Index of the first runtime function that begins at rva, or -1."""
    for i, rf in enumerate(rfs):
        if rf[0] == rva:
            return i
    return -1


def read_image(path):
    with open(path, "rb") as f:
        data = f.read()
    pe = PEImage(data)
    warnings = []

    arch = os_name = None
    for name, xor in OS_XOR:
        m = pe.machine ^ xor
        if m in MACHINES:
            arch, os_name = MACHINES[m], name
            break
    if arch is None:
        raise R2RError("unknown machine 0x%04x" % pe.machine)

    if len(pe.dirs) <= 14 or pe.dirs[14][0] == 0:
        raise R2RError("no CLI header")
    cor = pe.rva_to_offset(pe.dirs[14][0])
    md_rva, _md_size = struct.unpack_from("<II", data, cor + 8)
    metadata = Metadata(data, pe.rva_to_offset(md_rva))
    mnh_rva, mnh_size = struct.unpack_from("<II", data, cor + 0x40)
    if mnh_rva == 0 or mnh_size == 0:
        raise R2RError("no ManagedNativeHeader (composite images not supported)")
    hdr = pe.rva_to_offset(mnh_rva)
    sig, major, minor, flags, nsections = struct.unpack_from("<IHHII", data, hdr)
    if sig != 0x00525452:
        raise R2RError("bad READYTORUN_HEADER signature 0x%08x" % sig)
    sections = {}
    order = []
    for i in range(nsections):
        stype, srva, ssize = struct.unpack_from("<III", data, hdr + 16 + 12 * i)
        if stype in sections:
            warnings.append("duplicate section %d" % stype)
        sections[stype] = (srva, ssize)
        order.append(stype)
    if order != sorted(order):
        warnings.append("section list not sorted")

    result = {}
    result["r2rVersion"] = "%d.%d" % (major, minor)
    result["machine"] = pe.machine
    result["architecture"] = arch
    result["os"] = os_name
    result["imageBase"] = pe.image_base
    result["flags"] = flags
    result["sections"] = sorted(sections)

    # 100 CompilerIdentifier
    if SEC_COMPILER_ID in sections:
        rva, size = sections[SEC_COMPILER_ID]
        o = pe.rva_to_offset(rva)
        raw = data[o:o + size].rstrip(b"\0")
        result["compilerIdentifier"] = raw.decode("utf-8", errors="replace")
    else:
        result["compilerIdentifier"] = ""

    # 102 RuntimeFunctions
    rfs = read_runtime_functions(pe, data, arch, sections, warnings)
    result["runtimeFunctionCount"] = len(rfs)
    result["runtimeFunctions"] = rfs

    # 101 ImportSections and their cells
    ptr = pe.pointer_size
    import_sections = []
    if SEC_IMPORT_SECTIONS in sections:
        rva, size = sections[SEC_IMPORT_SECTIONS]
        o = pe.rva_to_offset(rva)
        for i in range(size // 20):
            va, sz, iflags, itype, esize, sigs, aux = struct.unpack_from(
                "<IIHBBII", data, o + 20 * i)
            import_sections.append({"index": i, "rva": va, "size": sz, "flags": iflags, "type": itype,
                                    "entrySize": esize, "signatures": sigs, "auxiliaryData": aux,
                                    "cells": sz // (esize if esize else ptr)})

    fixup_kinds = {}
    stub_cells = []  # (section index, cell index, slot in pointer units, stub rva)
    for si, isec in enumerate(import_sections):
        if isec["signatures"] == 0:
            continue
        esize = isec["entrySize"] if isec["entrySize"] else ptr
        sig_arr = pe.rva_to_offset(isec["signatures"])
        for ci in range(isec["cells"]):
            sig_rva = struct.unpack_from("<I", data, sig_arr + 4 * ci)[0]
            so = pe.rva_to_offset(sig_rva)
            kb = data[so]
            kind = kb & 0x7F
            fixup_kinds[kind] = fixup_kinds.get(kind, 0) + 1
            if kind == FIXUP_RESUMPTION_STUB:
                p = so + 1
                if kb & 0x80:
                    _, p = comp_uint(data, p)
                    warnings.append("0x38 cell with ModuleOverride at section %d cell %d" % (si, ci))
                (stub_rva,) = struct.unpack_from("<I", data, p)
                cell_off = ci * esize
                if cell_off % ptr:
                    warnings.append("0x38 cell offset not pointer aligned")
                stub_cells.append((si, ci, cell_off // ptr, stub_rva))
    result["fixupKinds"] = {str(k): fixup_kinds[k] for k in sorted(fixup_kinds)}
    result["importSections"] = import_sections

    # 120 HotColdMap: {cold, hot} runtime function index pairs
    cold_to_hot = {}
    if SEC_HOT_COLD_MAP in sections:
        rva, size = sections[SEC_HOT_COLD_MAP]
        o = pe.rva_to_offset(rva)
        for k in range(size // 8):
            cold, hot = struct.unpack_from("<II", data, o + 8 * k)
            cold_to_hot[cold] = hot

    # 104 ExceptionInfo: sorted {MethodStart, ExceptionInfo} pairs ending in a 0xFFFFFFFF sentinel; a
    # method's clauses (24 bytes each) run up to the next entry's ExceptionInfo.
    eh_clauses = {}
    if SEC_EXCEPTION_INFO in sections:
        rva, size = sections[SEC_EXCEPTION_INFO]
        o = pe.rva_to_offset(rva)
        pairs = [struct.unpack_from("<II", data, o + 8 * k) for k in range(size // 8)]
        if len(pairs) < 2 or pairs[-1][0] != 0xFFFFFFFF:
            raise R2RError("ExceptionInfo does not end with its sentinel")
        for (start, info), (_next_start, next_info) in zip(pairs, pairs[1:]):
            count = (next_info - info) // 24
            co = pe.rva_to_offset(info)
            eh_clauses[start] = [list(struct.unpack_from("<IIIIII", data, co + 24 * c)) for c in range(count)]

    def method(name, token, variant, rf, fix, sig_flags=None):
        if rf >= len(rfs):
            raise R2RError("entry point names runtime function %d of %d" % (rf, len(rfs)))
        # "name" is left out where this reader cannot name the method (generic owners, instantiations).
        m = {"token": token, "variant": variant, "runtimeFunction": rf, "rva": rfs[rf][0],
             "fixups": [list(c) for c in decode_fixup_list(data, fix)] if fix is not None else [],
             "ehClauses": eh_clauses.get(rfs[rf][0], [])}
        if name is not None:
            m["name"] = name
        if sig_flags is not None:
            m["signatureFlags"] = sig_flags
        return m

    # 103 MethodDefEntryPoints
    methods = []
    method_def_slots = 0
    if SEC_METHODDEF_ENTRYPOINTS in sections:
        rva, size = sections[SEC_METHODDEF_ENTRYPOINTS]
        count, elems = native_array_elements(data, pe.rva_to_offset(rva))
        method_def_slots = count
        for idx in sorted(elems):
            rf, fix = decode_entry_point(data, elems[idx])
            methods.append(method(metadata.method_name(idx + 1), 0x06000000 | (idx + 1), "method", rf, fix))
    result["methodDefSlots"] = method_def_slots
    result["methodDefEntryPoints"] = len(methods)

    # 109 InstanceMethodEntryPoints
    n_instance = 0
    n_async = 0
    if SEC_INSTANCE_ENTRYPOINTS in sections:
        rva, size = sections[SEC_INSTANCE_ENTRYPOINTS]
        for _low, vertex in native_hashtable_entries(data, pe.rva_to_offset(rva)):
            mflags, rid, is_ref, after = parse_r2r_method_sig(data, vertex)
            rf, fix = decode_entry_point(data, after)
            if mflags & SIG_FLAG_SLOT:
                token = 0
            else:
                token = (0x0A000000 if is_ref else 0x06000000) | rid
            # Only a MethodDef of this module without owner type or instantiation is named here.
            plain = not (mflags & (SIG_FLAG_OWNER_TYPE | SIG_FLAG_METHOD_INST | SIG_FLAG_MEMBERREF | SIG_FLAG_SLOT
                                   | SIG_FLAG_UPDATE_CONTEXT | SIG_FLAG_CONSTRAINED))
            name = metadata.method_name(rid) if plain else None
            variant = "async" if mflags & SIG_FLAG_ASYNC_VARIANT else "method"
            methods.append(method(name, token, variant, rf, fix, mflags))
            n_instance += 1
            if mflags & SIG_FLAG_ASYNC_VARIANT:
                n_async += 1
    result["instanceEntryPoints"] = n_instance
    result["asyncVariants"] = n_async

    # 0x7F01 r2rlab's Tier1 code versions: bodies no entry-point table reaches
    if SEC_R2RLAB_TIER1 in sections:
        rva, size = sections[SEC_R2RLAB_TIER1]
        o = pe.rva_to_offset(rva)
        (count,) = struct.unpack_from("<I", data, o)
        if 4 + 20 * count > size:
            raise R2RError("%d Tier1 entries do not fit a section of %d bytes" % (count, size))
        for k in range(count):
            token, kind, rf, code_rva, fix_rva = struct.unpack_from("<IIIII", data, o + 4 + 20 * k)
            if token >> 24 != 0x06:
                raise R2RError("Tier1 entry %d names token 0x%08x" % (k, token))
            if rf < len(rfs) and rfs[rf][0] != code_rva:
                warnings.append("Tier1 entry %d: code RVA 0x%x is not its runtime function's" % (k, code_rva))
            fix = pe.rva_to_offset(fix_rva) if fix_rva else None
            name = metadata.method_name(token & 0xFFFFFF)
            if kind == TIER1_KIND_RESUMPTION_STUB:
                methods.append(method(name + "$ResumptionStub$Tier1", 0, "resume", rf, fix))
            else:
                variant = "async" if kind == TIER1_KIND_ASYNC_VARIANT else "method"
                methods.append(method(name + "$Tier1", token, variant, rf, fix))

    # Resumption stubs: each 0x38 cell's owner is the method whose fixup list names its slot.
    def owner_of(si, slot):
        found = [m for m in methods if [si, slot] in m["fixups"]]
        if len(found) != 1:
            warnings.append("0x38 cell (%d, %d) named by %d fixup lists" % (si, slot, len(found)))
        found.sort(key=lambda m: m["runtimeFunction"])
        return found[0] if found else None

    starts = {m["runtimeFunction"] for m in methods}
    stubs = []
    for si, ci, slot, stub_rva in stub_cells:
        rf = rf_starting_at(rfs, stub_rva)
        owner = owner_of(si, slot)
        if owner is not None and owner["variant"] != "async":
            warnings.append("0x38 cell (%d, %d) owned by a %s" % (si, slot, owner["variant"]))
        stub = {"rva": stub_rva, "ownerToken": owner["token"] if owner else 0, "runtimeFunction": rf,
                "cell": [si, ci]}
        if owner is None or "name" in owner:  # "owner" left out where the owner has no name here
            stub["owner"] = owner["name"] if owner else None
        stubs.append(stub)
        # The runtime registers a stub MethodDesc at the stub's code: a method start of its own.
        if rf >= 0 and rf not in starts:
            starts.add(rf)
            name = owner["name"] + "$ResumptionStub" if owner and "name" in owner else None
            methods.append(method(name, 0, "resume", rf, None))
    stubs.sort(key=lambda st: st["rva"])
    result["resumptionStubs"] = stubs

    # Each method owns its entry, the runtime functions after it up to the next method start or the
    # first cold one (funclets), and the cold sections the HotColdMap gives it: from its pair's cold
    # index up to the next pair's (cold funclets belong to the method by range).
    methods.sort(key=lambda m: m["runtimeFunction"])
    cold_starts = sorted(cold_to_hot)
    first_cold = cold_starts[0] if cold_starts else len(rfs)
    for m in methods:
        entry = m["runtimeFunction"]
        own = [entry]
        i = entry + 1
        while i < len(rfs) and i not in starts and i != first_cold:
            own.append(i)
            i += 1
        for k, c in enumerate(cold_starts):
            if cold_to_hot[c] != entry:
                continue
            end = cold_starts[k + 1] if k + 1 < len(cold_starts) else len(rfs)
            i = c
            while i < end and (i == c or i not in starts):
                own.append(i)
                i += 1
        m["runtimeFunctions"] = own
    if len(starts) != len(methods):
        warnings.append("two methods share an entry runtime function")
    result["methods"] = methods

    result = {k: result[k] for k in FIELD_ORDER}
    return result, warnings


# ---------------------------------------------------------------------------
def fixture_paths():
    paths = []
    for d in FIXTURE_DIRS:
        paths.extend(sorted(glob.glob(os.path.join(FIXTURE_ROOT, d, "*.dll"))))
    return paths


def log(line):
    sys.stderr.write(line + "\n")


def run_all(paths, key):
    """Reads every image; one JSON object keyed by key(path) on stdout, a line per image on stderr."""
    out = {}
    failures = 0
    for p in paths:
        rel = key(p)
        try:
            r, warns = read_image(p)
        except Exception as e:  # report and continue
            failures += 1
            log("%s  ERROR %s: %s" % (rel, type(e).__name__, e))
            continue
        out[rel] = r
        log("%s  v%s %s %s rf=%d mdEP=%d inst=%d async=%d stubs=%d methods=%d" % (
            rel, r["r2rVersion"], r["architecture"], r["os"], r["runtimeFunctionCount"],
            r["methodDefEntryPoints"], r["instanceEntryPoints"], r["asyncVariants"],
            len(r["resumptionStubs"]), len(r["methods"])))
        for w in warns:
            log("    WARNING: " + w)
    print(json.dumps(out))
    rs = out.values()
    log("TOTAL images=%d failures=%d rf=%d mdEP=%d inst=%d async=%d stubs=%d methods=%d" % (
        len(out), failures, sum(v["runtimeFunctionCount"] for v in rs),
        sum(v["methodDefEntryPoints"] for v in rs), sum(v["instanceEntryPoints"] for v in rs),
        sum(v["asyncVariants"] for v in rs), sum(len(v["resumptionStubs"]) for v in rs),
        sum(len(v["methods"]) for v in rs)))
    return 1 if failures else 0


def main(argv):
    global FIXTURE_ROOT
    if len(argv) == 3 and argv[1] == "--all":
        FIXTURE_ROOT = argv[2]
        return run_all(fixture_paths(), lambda p: os.path.relpath(p, FIXTURE_ROOT))
    if len(argv) == 3 and argv[1] == "--dir":
        return run_all(sorted(glob.glob(os.path.join(argv[2], "*.dll"))), os.path.basename)
    if len(argv) != 2:
        sys.stderr.write("usage: r2r_oracle.py IMAGE | --all FIXTURES | --dir DIR\n")
        return 2
    r, warns = read_image(argv[1])
    for w in warns:
        sys.stderr.write("WARNING: %s\n" % w)
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
