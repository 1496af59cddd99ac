#!/usr/bin/python3
"""Independent ReadyToRun (R2R) PE image reader used as a test oracle.

It shares no code with the Java reader: the tests compare both readers' figures for every
fixture image. Standard library only (struct parsing). Usage:
    r2r_oracle.py IMAGE           -> one JSON object on stdout
    r2r_oracle.py --all FIXTURES  -> one JSON object on stdout, keyed by path relative to FIXTURES;
                                     one summary line per image on stderr
"""
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
    "r2rVersion", "machine", "architecture", "os", "flags", "sections", "compilerIdentifier",
    "runtimeFunctionCount", "methodDefSlots", "methodDefEntryPoints", "instanceEntryPoints",
    "asyncVariants", "fixupKinds", "resumptionStubs", "methodEntryCount", "entryRuntimeFunctions",
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
# R2R reader
# ---------------------------------------------------------------------------
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
    rf_entry = 12 if arch == "x64" else 8
    if SEC_RUNTIME_FUNCTIONS in sections:
        rva, size = sections[SEC_RUNTIME_FUNCTIONS]
        # Older images exclude the 0xFFFFFFFF sentinel from the section size, the
        # R2R 18.5 fixtures include it (size = n * entry + 4): floor division covers both.
        rem = size % rf_entry
        if rem:
            o = pe.rva_to_offset(rva)
            tail = struct.unpack_from("<I", data, o + size - rem)[0] if rem == 4 else None
            if tail != 0xFFFFFFFF:
                warnings.append("RuntimeFunctions size %d not a multiple of %d" % (size, rf_entry))
        result["runtimeFunctionCount"] = size // rf_entry
    else:
        result["runtimeFunctionCount"] = 0

    # 101 ImportSections and their cells
    ptr = pe.pointer_size
    import_sections = []
    if SEC_IMPORT_SECTIONS in sections:
        rva, size = sections[SEC_IMPORT_SECTIONS]
        o = pe.rva_to_offset(rva)
        for i in range(size // 20):
            va, sz, iflags, itype, esize, sigs, aux = struct.unpack_from(
                "<IIHBBII", data, o + 20 * i)
            import_sections.append((va, sz, iflags, itype, esize if esize else ptr, sigs, aux))

    fixup_kinds = {}
    stub_cells = {}  # (section index, slot) -> stub rva
    for si, (va, sz, iflags, itype, esize, sigs, aux) in enumerate(import_sections):
        if sigs == 0:
            continue
        ncells = sz // esize
        sig_arr = pe.rva_to_offset(sigs)
        for ci in range(ncells):
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
                stub_cells[(si, cell_off // ptr)] = stub_rva
    result["fixupKinds"] = {str(k): fixup_kinds[k] for k in sorted(fixup_kinds)}

    # Method entry points
    methods = []  # (token, rf_index, fixup_offset, flags or None)
    method_def_slots = 0
    if SEC_METHODDEF_ENTRYPOINTS in sections:
        rva, size = sections[SEC_METHODDEF_ENTRYPOINTS]
        count, elems = native_array_elements(data, pe.rva_to_offset(rva))
        method_def_slots = count
        for idx in sorted(elems):
            rf, fix = decode_entry_point(data, elems[idx])
            methods.append((0x06000000 | (idx + 1), rf, fix, None))
    result["methodDefSlots"] = method_def_slots
    result["methodDefEntryPoints"] = len(methods)

    n_instance = 0
    n_async = 0
    if SEC_INSTANCE_ENTRYPOINTS in sections:
        rva, size = sections[SEC_INSTANCE_ENTRYPOINTS]
        for _low, vertex in native_hashtable_entries(data, pe.rva_to_offset(rva)):
            mflags, rid, is_ref, after = parse_r2r_method_sig(data, vertex)
            rf, fix = decode_entry_point(data, after)
            token = (0x0A000000 if is_ref else 0x06000000) | rid
            methods.append((token, rf, fix, mflags))
            n_instance += 1
            if mflags & SIG_FLAG_ASYNC_VARIANT:
                n_async += 1
    result["instanceEntryPoints"] = n_instance
    result["asyncVariants"] = n_async

    # Resumption stubs: locate the owner of each 0x38 cell through fixup lists
    owners = {}
    for token, rf, fix, mflags in methods:
        if fix is None:
            continue
        for cell in decode_fixup_list(data, fix):
            tbl, slot = cell
            if tbl >= len(import_sections) or slot * ptr >= import_sections[tbl][1]:
                warnings.append("fixup cell %r of 0x%08x outside its import section" % (cell, token))
            if cell in stub_cells:
                owners.setdefault(cell, []).append(token)
                if mflags is None or not (mflags & SIG_FLAG_ASYNC_VARIANT):
                    warnings.append("0x38 cell %r owned by non-async-variant 0x%08x" % (cell, token))
    stubs = []
    for cell, stub_rva in stub_cells.items():
        toks = owners.get(cell, [])
        if len(toks) != 1:
            warnings.append("0x38 cell %r named by %d fixup lists" % (cell, len(toks)))
        stubs.append({"rva": stub_rva, "ownerToken": toks[0] if toks else None})
    stubs.sort(key=lambda s: s["rva"])
    result["resumptionStubs"] = stubs

    result["methodEntryCount"] = len(methods)
    result["entryRuntimeFunctions"] = sorted(m[1] for m in methods)
    result = {k: result[k] for k in FIELD_ORDER}
    rfc = result["runtimeFunctionCount"]
    if any(i >= rfc for i in result["entryRuntimeFunctions"]):
        warnings.append("entry runtime function index out of range")
    if len(set(result["entryRuntimeFunctions"])) != len(methods):
        warnings.append("two method entries share a runtime function")
    return result, warnings


# ---------------------------------------------------------------------------
def fixture_paths():
    paths = []
    for d in FIXTURE_DIRS:
        paths.extend(sorted(glob.glob(os.path.join(FIXTURE_ROOT, d, "*.dll"))))
    return paths


def log(line):
    sys.stderr.write(line + "\n")


def run_all():
    out = {}
    failures = 0
    tot = {"rf": 0, "md": 0, "inst": 0, "async": 0, "stubs": 0, "methods": 0}
    for p in fixture_paths():
        rel = os.path.relpath(p, FIXTURE_ROOT)
        try:
            r, warns = read_image(p)
        except Exception as e:  # report and continue
            failures += 1
            log("%s  ERROR %s: %s" % (rel, type(e).__name__, e))
            continue
        out[rel] = r
        log("%s  v%s %s %s rf=%d mdEP=%d inst=%d async=%d stubs=%d" % (
            os.path.basename(p), r["r2rVersion"], r["architecture"], r["os"],
            r["runtimeFunctionCount"], r["methodDefEntryPoints"], r["instanceEntryPoints"],
            r["asyncVariants"], len(r["resumptionStubs"])))
        for w in warns:
            log("    WARNING: " + w)
        tot["rf"] += r["runtimeFunctionCount"]
        tot["md"] += r["methodDefEntryPoints"]
        tot["inst"] += r["instanceEntryPoints"]
        tot["async"] += r["asyncVariants"]
        tot["stubs"] += len(r["resumptionStubs"])
        tot["methods"] += r["methodEntryCount"]
    for d in FIXTURE_DIRS:
        rs = [v for k, v in out.items() if k.startswith(d + "/")]
        log("DIR %s images=%d rf=%d mdEP=%d inst=%d async=%d stubs=%d" % (
            d, len(rs), sum(v["runtimeFunctionCount"] for v in rs),
            sum(v["methodDefEntryPoints"] for v in rs), sum(v["instanceEntryPoints"] for v in rs),
            sum(v["asyncVariants"] for v in rs), sum(len(v["resumptionStubs"]) for v in rs)))
    print(json.dumps(out))
    log("TOTAL images=%d failures=%d rf=%d mdEP=%d inst=%d async=%d stubs=%d methods=%d" % (
        len(out), failures, tot["rf"], tot["md"], tot["inst"], tot["async"], tot["stubs"],
        tot["methods"]))
    return 1 if failures else 0


def main(argv):
    global FIXTURE_ROOT
    if len(argv) == 3 and argv[1] == "--all":
        FIXTURE_ROOT = argv[2]
        return run_all()
    if len(argv) != 2:
        sys.stderr.write("usage: r2r_oracle.py IMAGE | --all FIXTURES\n")
        return 2
    r, warns = read_image(argv[1])
    for w in warns:
        sys.stderr.write("WARNING: %s\n" % w)
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
