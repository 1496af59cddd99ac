#!/usr/bin/python3
"""Independent GcInfo decoder (x64, ARM64; GcInfo v1-v4) used as a test oracle.

Written from the runtime's gcinfodecoder.cpp / gcinfotypes.h, sharing no code with r2rlab's Java
codec; the methods and runtime functions come from r2r_oracle.py. For every method of every
x64/ARM64 image it finds the GcInfo after the method's first unwind record and the personality
RVA, decodes it and reports its figures. Usage:
    gcinfo_oracle.py --all FIXTURES -> one JSON object: {image path: {entry runtime function:
        [gcinfo rva, code length, safepoints, interruptible ranges, slots, size in bytes,
         [safepoint offsets]]}}
"""
import json
import os
import struct
import sys

import r2r_oracle

ENC = {'x64': dict(CODE_LENGTH=8, NORM_PROLOG=5, NORM_EPILOG=3, SLOT=6, STACK_BASE=3, ENC_AREA=4, STACK_AREA=3,
                   NUM_SP=2, NUM_RANGES=1, RANGE=6, NUM_REGS=2, NUM_STACK=2, NUM_UNTRACKED=1, REG=3,
                   REG_DELTA=2, STACK_SLOT=6, STACK_SLOT_DELTA=4, POINTER_SIZE=3, RLE_RUN=2, RLE_SKIP=4,
                   RK_SLIM=2, RK_FAT=4, FRAME=5)}
ENC['arm64'] = dict(ENC['x64'], STACK_BASE=2, NUM_SP=3, NUM_REGS=3, FRAME=29)


def gcinfo_version(major, minor):
    if major == 1:
        return 1
    if major < 9 or (major == 9 and minor < 2):
        return 2
    return 3 if major < 11 else 4


def gc_offset(data, off, arch):
    """File offset of the GcInfo after the unwind record at off (+ the personality RVA)."""
    if arch == 'x64':
        return off + ((4 + 2 * data[off + 2] + 3) & ~3) + 4
    w0 = struct.unpack_from('<I', data, off)[0]
    size = 4
    words, scopes = w0 >> 27, (w0 >> 22) & 0x1F
    if words == 0 and scopes == 0:
        w1 = struct.unpack_from('<I', data, off + 4)[0]
        size += 4
        words, scopes = (w1 >> 16) & 0xFF, w1 & 0xFFFF
    if not w0 & (1 << 21):
        size += 4 * scopes
    return off + size + 4 * words + 4


def ceil_log2(x):
    return ((x << 1) - 1).bit_length() - 1 if x > 0 else 0


class Bits:
    def __init__(self, data, start):
        self.d, self.base, self.pos = data, start, 0

    def read(self, n):
        v = 0
        for k in range(n):
            p = self.pos + k
            v |= ((self.d[self.base + (p >> 3)] >> (p & 7)) & 1) << k
        self.pos += n
        return v

    def _chunks(self, b):
        r = s = 0
        while True:
            c = self.read(b + 1)
            r |= (c & ((1 << b) - 1)) << s
            s += b
            if not c & (1 << b):
                return r, s

    def varu(self, b):
        return self._chunks(b)[0]

    def vars(self, b):
        r, s = self._chunks(b)
        return r - (1 << s) if r & (1 << (s - 1)) else r


def live_vector(q, ntracked, e):
    if q.read(1):
        neg = q.read(1)
        bdead, blive = (e['RLE_RUN'], e['RLE_SKIP']) if neg else (e['RLE_SKIP'], e['RLE_RUN'])
        idx, live = q.varu(bdead), True
        while idx < ntracked:
            idx += q.varu(blive if live else bdead) + 1
            live = not live
        return
    q.read(ntracked)


def decode(data, start, arch, version):
    e = ENC[arch]
    r = Bits(data, start)
    osh = 2 if (arch == 'arm64' and version >= 4) else 0
    lsh = 2 if arch == 'arm64' else 0
    slim = r.read(1) == 0
    flags = (0x40 if r.read(1) else 0) if slim else r.read(9 if version == 1 else 10)
    if 2 <= version <= 3:
        r.read(e['RK_SLIM'] if slim else e['RK_FAT'])
    code_length = r.varu(e['CODE_LENGTH']) << lsh
    if flags & 0x4:
        r.varu(e['NORM_PROLOG'])
        r.varu(e['NORM_EPILOG'])
    elif flags & 0x32:
        r.varu(e['NORM_PROLOG'])
    for bit in (0x2, 0x4, 0x8):
        if flags & bit:
            r.vars(e['SLOT'])
    if flags & 0x30:
        r.vars(e['SLOT'])
    if flags & 0x40 and not slim:
        r.varu(e['STACK_BASE'])
    if flags & 0x100:
        r.varu(e['ENC_AREA'])
        if arch == 'arm64':
            r.varu(e['ENC_AREA'])
    if flags & 0x200 and version >= 2:
        r.vars(e['SLOT'])
    if not slim:
        r.varu(e['STACK_AREA'])
    nsp = r.varu(e['NUM_SP'])
    nr = 0 if slim else r.varu(e['NUM_RANGES'])
    bits = ceil_log2(code_length >> osh)
    safepoints = [r.read(bits) << osh for _ in range(nsp)]
    total = last = 0
    for _ in range(nr):
        s = last + r.varu(e['RANGE'])
        ln = r.varu(e['RANGE']) + 1
        total += ln
        last = s + ln
    nregs = r.varu(e['NUM_REGS']) if r.read(1) else 0
    nstack, nuntr = (r.varu(e['NUM_STACK']), r.varu(e['NUM_UNTRACKED'])) if r.read(1) else (0, 0)
    if nregs:
        r.varu(e['REG'])
        fl = r.read(2)
        for _ in range(1, nregs):
            if fl:
                r.varu(e['REG'])
                fl = r.read(2)
            else:
                r.varu(e['REG_DELTA'])
    for count in (nstack, nuntr):
        if not count:
            continue
        r.read(2)
        r.vars(e['STACK_SLOT'])
        fl = r.read(2)
        for _ in range(1, count):
            r.read(2)
            if fl:
                r.vars(e['STACK_SLOT'])
                fl = r.read(2)
            else:
                r.varu(e['STACK_SLOT_DELTA'])
    ntracked = nregs + nstack
    sets, chunks = [], []
    if nregs + nstack + nuntr:
        if nsp:
            if r.read(1):
                per = r.varu(e['POINTER_SIZE']) + 1
                sets = sorted({r.read(per) for _ in range(nsp)})
            else:
                r.read(nsp * ntracked)
        if nr:
            per = r.varu(e['POINTER_SIZE'])
            if per:
                chunks = [p for p in (r.read(per) for _ in range((total + 63) // 64)) if p]
    info1 = r.pos
    i2 = (info1 + 7) & ~7
    info2 = 0
    for p in sets:
        q = Bits(data, start)
        q.pos = i2 + p
        live_vector(q, ntracked, e)
        info2 = max(info2, q.pos - i2)
    for p in chunks:
        q = Bits(data, start)
        q.pos = i2 + p - 1
        before = q.pos
        live_vector(q, ntracked, e)
        # the couldBeLive count: re-read the mask to count its set bits
        q2 = Bits(data, start)
        q2.pos = before
        n = count_live(q2, ntracked, e)
        q.read(n)
        for _ in range(n):
            while q.read(1):
                q.read(6)
        info2 = max(info2, q.pos - i2)
    size = (info1 + 7) // 8 + (info2 + 7) // 8
    return [code_length, nsp, nr, nregs + nstack + nuntr, size, safepoints]


def count_live(q, ntracked, e):
    if q.read(1):
        neg = q.read(1)
        bdead, blive = (e['RLE_RUN'], e['RLE_SKIP']) if neg else (e['RLE_SKIP'], e['RLE_RUN'])
        idx, live, n = q.varu(bdead), True, 0
        while idx < ntracked:
            c = q.varu(blive if live else bdead) + 1
            if live:
                n += c
            idx += c
            live = not live
        return n
    return sum(q.read(1) for _ in range(ntracked))


def read_image(path):
    r, _ = r2r_oracle.read_image(path)
    if r['architecture'] not in ENC:
        return None
    with open(path, 'rb') as f:
        data = f.read()
    pe = r2r_oracle.PEImage(data)
    major, minor = (int(x) for x in r['r2rVersion'].split('.'))
    version = gcinfo_version(major, minor)
    out = {}
    for m in r['methods']:
        rf = m['runtimeFunction']
        unwind_rva = r['runtimeFunctions'][rf][2]
        start = gc_offset(data, pe.rva_to_offset(unwind_rva), r['architecture'])
        gc_rva = unwind_rva + (start - pe.rva_to_offset(unwind_rva))
        out[str(rf)] = [gc_rva] + decode(data, start, r['architecture'], version)
    return out


def main(argv):
    if len(argv) != 3 or argv[1] != '--all':
        sys.stderr.write('usage: gcinfo_oracle.py --all FIXTURES\n')
        return 2
    r2r_oracle.FIXTURE_ROOT = argv[2]
    out = {}
    for p in r2r_oracle.fixture_paths():
        figures = read_image(p)
        if figures is not None:
            out[os.path.relpath(p, argv[2])] = figures
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
