package r2rlab.format.gcinfo;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link GcInfo}'s reader and writer side by side, section by section in the order of the bit stream
 * (gcinfodecoder.cpp's constructor and {@code EnumerateLiveSlots}; gcinfoencoder.cpp's {@code Build} and
 * {@code Emit}). A count read from the blob is checked against the bits left before anything is allocated or
 * looped over for it.
 */
final class GcInfoCodec {
    /** The fewest bits an interruptible range takes (two var-length integers of base 6). */
    private static final int MIN_RANGE_BITS = 2 * (GcInfo.INTERRUPTIBLE_RANGE_DELTA_ENCBASE + 1);
    /** The fewest bits a register slot takes (a register delta). */
    private static final int MIN_REGISTER_BITS = GcInfo.REGISTER_DELTA_ENCBASE + 1;
    /** The fewest bits a stack slot takes (its base and a delta). */
    private static final int MIN_STACK_SLOT_BITS = 2 + GcInfo.STACK_SLOT_DELTA_ENCBASE + 1;
    private static final int MAX_POINTER_BITS = 31;

    private GcInfoCodec() {
    }

    static int ceilOfLog2(long x) {
        return x <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(x - 1);
    }

    // ---- decode ----

    static GcInfo.Decoded decode(byte[] data, long offset, GcInfoEncoding enc, int version, String structure) {
        if (version < 1 || version > 4) {
            throw new IllegalArgumentException("GcInfo version " + version + " is not one of 1-4");
        }
        GcBitReader r = new GcBitReader(data, offset, structure);
        int offShift = enc.codeOffsetShift(version);
        boolean fat = r.readBit();
        int flags = fat ? r.read(version == 1 ? 9 : 10) : r.readBit() ? GcInfo.HAS_STACK_BASE_REGISTER : 0;
        int returnKind = version == 2 || version == 3 ? r.read(fat ? GcInfo.RETURN_KIND_FAT_BITS : GcInfo.RETURN_KIND_SLIM_BITS) : 0;
        r.field = "code length";
        int codeLength = scaled(r, r.readVarUnsigned(GcInfo.CODE_LENGTH_ENCBASE), enc.codeLengthShift);
        r.field = "prolog/epilog size";
        int prolog = 0;
        int epilog = 0;
        if ((flags & GcInfo.HAS_GS_COOKIE) != 0) {
            prolog = scaled(r, r.readVarUnsigned(GcInfo.NORM_PROLOG_SIZE_ENCBASE) + 1L, offShift);
            epilog = scaled(r, r.readVarUnsigned(GcInfo.NORM_EPILOG_SIZE_ENCBASE), offShift);
        } else if ((flags & (GcInfo.GENERICS_INST_CONTEXT_MASK | GcInfo.HAS_SECURITY_OBJECT)) != 0) {
            prolog = scaled(r, r.readVarUnsigned(GcInfo.NORM_PROLOG_SIZE_ENCBASE) + 1L, offShift);
        }
        r.field = "header slots";
        int security = (flags & GcInfo.HAS_SECURITY_OBJECT) != 0 ? stackSlot(r) : 0;
        int gsCookie = (flags & GcInfo.HAS_GS_COOKIE) != 0 ? stackSlot(r) : 0;
        int pspSym = (flags & GcInfo.HAS_PSP_SYM) != 0 ? stackSlot(r) : 0;
        int generics = (flags & GcInfo.GENERICS_INST_CONTEXT_MASK) != 0 ? stackSlot(r) : 0;
        int stackBase = -1;
        if ((flags & GcInfo.HAS_STACK_BASE_REGISTER) != 0) {
            stackBase = fat ? r.readVarUnsigned(enc.stackBaseRegisterEncBase) ^ enc.frameRegister : enc.frameRegister;
        }
        int encArea = 0;
        int encFixed = 0;
        if ((flags & GcInfo.HAS_EDIT_AND_CONTINUE_INFO) != 0) {
            encArea = r.readVarUnsigned(GcInfo.SIZE_OF_EDIT_AND_CONTINUE_ENCBASE);
            if (enc == GcInfoEncoding.ARM64) {
                encFixed = r.readVarUnsigned(GcInfo.SIZE_OF_EDIT_AND_CONTINUE_ENCBASE);
            }
        }
        int reversePInvoke = (flags & GcInfo.REVERSE_PINVOKE_FRAME) != 0 && version >= 2 ? stackSlot(r) : 0;
        int outgoing = fat ? scaled(r, r.readVarUnsigned(GcInfo.SIZE_OF_STACK_AREA_ENCBASE), GcInfo.STACK_SLOT_SHIFT) : 0;
        r.field = "safepoint count";
        int numSafePoints = r.readVarUnsigned(enc.numSafePointsEncBase);
        r.field = "interruptible range count";
        int numRanges = fat ? r.readVarUnsigned(GcInfo.NUM_INTERRUPTIBLE_RANGES_ENCBASE) : 0;

        r.field = "safepoint offsets";
        int offsetBits = ceilOfLog2(codeLength >> offShift);
        r.requireItems(numSafePoints, offsetBits, "safepoints of " + offsetBits + " bits");
        List<Integer> safePoints = new ArrayList<>(numSafePoints);
        for (int i = 0; i < numSafePoints; i++) {
            safePoints.add(r.read(offsetBits) << offShift);
        }

        r.field = "interruptible ranges";
        r.requireItems(numRanges, MIN_RANGE_BITS, "interruptible ranges");
        List<GcInfo.InterruptibleRange> ranges = new ArrayList<>(numRanges);
        long last = 0;
        long totalLength = 0;
        for (int i = 0; i < numRanges; i++) {
            long start = last + r.readVarUnsigned(GcInfo.INTERRUPTIBLE_RANGE_DELTA_ENCBASE);
            long length = r.readVarUnsigned(GcInfo.INTERRUPTIBLE_RANGE_DELTA_ENCBASE) + 1L;
            last = start + length;
            ranges.add(new GcInfo.InterruptibleRange(scaled(r, start, offShift), scaled(r, last, offShift)));
            totalLength += length;
        }

        r.field = "slot table";
        int numRegisters = r.readBit() ? r.readVarUnsigned(enc.numRegistersEncBase) : 0;
        int numStack = 0;
        int numUntracked = 0;
        if (r.readBit()) {
            numStack = r.readVarUnsigned(GcInfo.NUM_STACK_SLOTS_ENCBASE);
            numUntracked = r.readVarUnsigned(GcInfo.NUM_UNTRACKED_SLOTS_ENCBASE);
        }
        r.requireItems(numRegisters, MIN_REGISTER_BITS, "register slots");
        r.requireItems((long) numStack + numUntracked, MIN_STACK_SLOT_BITS, "stack slots");
        List<GcSlot> slots = new ArrayList<>(numRegisters + numStack + numUntracked);
        readRegisters(r, numRegisters, slots);
        readStackSlots(r, numStack, false, slots);
        readStackSlots(r, numUntracked, true, slots);

        int numSlots = slots.size();
        int numTracked = numRegisters + numStack;
        GcInfo.SafePointLiveness liveness = null;
        List<Integer> livePointers = null;
        int livePointerBits = 0;
        if (numSlots > 0 && numSafePoints > 0) {
            r.field = "safepoint live state";
            if (r.readBit()) {
                livePointerBits = pointerBits(r, r.readVarUnsigned(GcInfo.POINTER_SIZE_ENCBASE) + 1L);
                r.requireItems(numSafePoints, livePointerBits, "live-set pointers of " + livePointerBits + " bits");
                livePointers = new ArrayList<>(numSafePoints);
                for (int i = 0; i < numSafePoints; i++) {
                    livePointers.add(r.read(livePointerBits));
                }
            } else {
                if ((long) numSafePoints * numTracked > r.remaining()) {
                    throw r.error(r.position(), numSafePoints + " vectors of " + numTracked + " bits cannot fit the " + r.remaining() + " bits left");
                }
                List<BitSet> live = new ArrayList<>(numSafePoints);
                for (int i = 0; i < numSafePoints; i++) {
                    BitSet b = new BitSet();
                    for (int k = 0; k < numTracked; k++) {
                        if (r.readBit()) {
                            b.set(k);
                        }
                    }
                    live.add(b);
                }
                liveness = new GcInfo.Direct(live);
            }
        }
        int chunkPointerBits = 0;
        List<Integer> chunkPointers = null;
        if (numSlots > 0 && numRanges > 0) {
            r.field = "chunk pointers";
            chunkPointerBits = pointerBits(r, r.readVarUnsigned(GcInfo.POINTER_SIZE_ENCBASE));
            chunkPointers = new ArrayList<>();
            if (chunkPointerBits > 0) {
                long numChunks = (totalLength + GcInfo.CHUNK_SIZE - 1) / GcInfo.CHUNK_SIZE;
                r.requireItems(numChunks, chunkPointerBits, "chunk pointers of " + chunkPointerBits + " bits");
                for (long i = 0; i < numChunks; i++) {
                    chunkPointers.add(r.read(chunkPointerBits));
                }
            }
        }
        long info1Bits = r.position();
        long info2Start = (info1Bits + 7) & ~7L;
        long info2End = info2Start;
        if (livePointers != null) {
            r.field = "live set";
            Map<Integer, GcInfo.LiveSet> sets = new TreeMap<>();
            for (int p : livePointers) {
                if (!sets.containsKey(p)) {
                    r.seek(info2Start + p);
                    sets.put(p, new GcInfo.LiveSet(p, SlotStateVector.read(r, numTracked)));
                    info2End = Math.max(info2End, r.position());
                }
            }
            liveness = new GcInfo.Indirect(livePointerBits, livePointers, new ArrayList<>(sets.values()));
        }
        GcInfo.TransitionChunks chunks = null;
        if (chunkPointers != null) {
            List<GcInfo.Chunk> list = new ArrayList<>(chunkPointers.size());
            for (int c = 0; c < chunkPointers.size(); c++) {
                int p = chunkPointers.get(c);
                if (p == 0) {
                    list.add(new GcInfo.Chunk(0, null));
                    continue;
                }
                r.field = "chunk " + c;
                r.seek(info2Start + p - 1);
                list.add(new GcInfo.Chunk(p, readChunk(r, numTracked)));
                info2End = Math.max(info2End, r.position());
            }
            chunks = new GcInfo.TransitionChunks(chunkPointerBits, list);
        }
        GcInfo info = new GcInfo(enc, version, fat, flags, returnKind, codeLength, prolog, epilog, security, gsCookie, pspSym, generics,
                stackBase, encArea, encFixed, reversePInvoke, outgoing, safePoints, ranges, slots, liveness, chunks);
        return new GcInfo.Decoded(info, info1Bits, info2End - info2Start);
    }

    private static int scaled(GcBitReader r, long value, int shift) {
        long v = value << shift;
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw r.error(r.position(), "value " + value + " out of range");
        }
        return (int) v;
    }

    private static int stackSlot(GcBitReader r) {
        return scaled(r, r.readVarSigned(GcInfo.STACK_SLOT_FIELD_ENCBASE), GcInfo.STACK_SLOT_SHIFT);
    }

    private static int pointerBits(GcBitReader r, long bits) {
        if (bits > MAX_POINTER_BITS) {
            throw r.error(r.position(), "pointers of " + bits + " bits");
        }
        return (int) bits;
    }

    private static void readRegisters(GcBitReader r, int count, List<GcSlot> slots) {
        long register = 0;
        int flags = 0;
        for (int i = 0; i < count; i++) {
            if (i == 0 || flags != 0) {
                register = r.readVarUnsigned(GcInfo.REGISTER_ENCBASE);
                flags = r.read(2);
            } else {
                register += r.readVarUnsigned(GcInfo.REGISTER_DELTA_ENCBASE) + 1L;
                if (register > Integer.MAX_VALUE) {
                    throw r.error(r.position(), "register number " + register + " out of range");
                }
            }
            slots.add(GcSlot.ofRegister((int) register, flags));
        }
    }

    private static void readStackSlots(GcBitReader r, int count, boolean untracked, List<GcSlot> slots) {
        long norm = 0;
        int flags = 0;
        for (int i = 0; i < count; i++) {
            int base = r.read(2);
            if (i == 0 || flags != 0) {
                norm = r.readVarSigned(GcInfo.STACK_SLOT_ENCBASE);
                flags = r.read(2);
            } else {
                norm += r.readVarUnsigned(GcInfo.STACK_SLOT_DELTA_ENCBASE); // unsigned, as the runtime reads it
            }
            slots.add(GcSlot.ofStack(base, scaled(r, norm, GcInfo.STACK_SLOT_SHIFT), flags, untracked));
        }
    }

    private static GcInfo.ChunkData readChunk(GcBitReader r, int numTracked) {
        SlotStateVector couldBeLive = SlotStateVector.read(r, numTracked);
        BitSet cbl = couldBeLive.slots();
        BitSet finalState = new BitSet();
        for (int slot = cbl.nextSetBit(0); slot >= 0; slot = cbl.nextSetBit(slot + 1)) {
            if (r.readBit()) {
                finalState.set(slot);
            }
        }
        List<List<Integer>> transitions = new ArrayList<>(cbl.cardinality());
        for (int slot = cbl.nextSetBit(0); slot >= 0; slot = cbl.nextSetBit(slot + 1)) {
            List<Integer> offsets = new ArrayList<>(2);
            while (r.readBit()) {
                if (offsets.size() == GcInfo.CHUNK_SIZE) {
                    throw r.error(r.position(), "more than " + GcInfo.CHUNK_SIZE + " transitions of slot " + slot + " in one chunk");
                }
                offsets.add(r.read(GcInfo.CHUNK_LOG2));
            }
            transitions.add(offsets);
        }
        return new GcInfo.ChunkData(couldBeLive, finalState, transitions);
    }

    // ---- encode ----

    static byte[] encode(GcInfo g) {
        GcInfoEncoding enc = g.encoding();
        int version = g.version();
        int offShift = enc.codeOffsetShift(version);
        int flags = g.headerFlags();
        GcBitWriter w = new GcBitWriter();
        w.writeBit(g.fat());
        if (g.fat()) {
            w.write(flags, version == 1 ? 9 : 10);
        } else {
            if ((flags & ~GcInfo.HAS_STACK_BASE_REGISTER) != 0) {
                throw new IllegalArgumentException(String.format("a slim header cannot carry the flags 0x%X", flags));
            }
            if (g.has(GcInfo.HAS_STACK_BASE_REGISTER) && g.stackBaseRegister() != enc.frameRegister) {
                throw new IllegalArgumentException("a slim header's stack base register is " + enc.registerName(enc.frameRegister));
            }
            if (g.sizeOfStackOutgoingAndScratchArea() != 0 || !g.interruptibleRanges().isEmpty()) {
                throw new IllegalArgumentException("a slim header has no outgoing area and no interruptible ranges");
            }
            w.writeBit(g.has(GcInfo.HAS_STACK_BASE_REGISTER));
        }
        if (version == 2 || version == 3) {
            w.write(g.returnKind(), g.fat() ? GcInfo.RETURN_KIND_FAT_BITS : GcInfo.RETURN_KIND_SLIM_BITS);
        }
        w.writeVarUnsigned(normalized(g.codeLength(), enc.codeLengthShift, "code length"), GcInfo.CODE_LENGTH_ENCBASE);
        if (g.has(GcInfo.HAS_GS_COOKIE)) {
            w.writeVarUnsigned(normalized(g.prologSize(), offShift, "prolog size") - 1, GcInfo.NORM_PROLOG_SIZE_ENCBASE);
            w.writeVarUnsigned(normalized(g.epilogSize(), offShift, "epilog size"), GcInfo.NORM_EPILOG_SIZE_ENCBASE);
        } else if (g.has(GcInfo.GENERICS_INST_CONTEXT_MASK | GcInfo.HAS_SECURITY_OBJECT)) {
            w.writeVarUnsigned(normalized(g.prologSize(), offShift, "prolog size") - 1, GcInfo.NORM_PROLOG_SIZE_ENCBASE);
        }
        if (g.has(GcInfo.HAS_SECURITY_OBJECT)) {
            writeStackSlot(w, g.securityObjectStackSlot());
        }
        if (g.has(GcInfo.HAS_GS_COOKIE)) {
            writeStackSlot(w, g.gsCookieStackSlot());
        }
        if (g.has(GcInfo.HAS_PSP_SYM)) {
            writeStackSlot(w, g.pspSymStackSlot());
        }
        if (g.has(GcInfo.GENERICS_INST_CONTEXT_MASK)) {
            writeStackSlot(w, g.genericsInstContextStackSlot());
        }
        if (g.has(GcInfo.HAS_STACK_BASE_REGISTER) && g.fat()) {
            w.writeVarUnsigned(g.stackBaseRegister() ^ enc.frameRegister, enc.stackBaseRegisterEncBase);
        }
        if (g.has(GcInfo.HAS_EDIT_AND_CONTINUE_INFO)) {
            w.writeVarUnsigned(g.sizeOfEditAndContinuePreservedArea(), GcInfo.SIZE_OF_EDIT_AND_CONTINUE_ENCBASE);
            if (enc == GcInfoEncoding.ARM64) {
                w.writeVarUnsigned(g.sizeOfEditAndContinueFixedStackFrame(), GcInfo.SIZE_OF_EDIT_AND_CONTINUE_ENCBASE);
            }
        }
        if (g.has(GcInfo.REVERSE_PINVOKE_FRAME) && version >= 2) {
            writeStackSlot(w, g.reversePInvokeFrameStackSlot());
        }
        if (g.fat()) {
            w.writeVarUnsigned(normalized(g.sizeOfStackOutgoingAndScratchArea(), GcInfo.STACK_SLOT_SHIFT, "outgoing area"),
                    GcInfo.SIZE_OF_STACK_AREA_ENCBASE);
        }
        int numSafePoints = g.safePoints().size();
        w.writeVarUnsigned(numSafePoints, enc.numSafePointsEncBase);
        if (g.fat()) {
            w.writeVarUnsigned(g.interruptibleRanges().size(), GcInfo.NUM_INTERRUPTIBLE_RANGES_ENCBASE);
        }

        int offsetBits = ceilOfLog2(g.codeLength() >> offShift);
        for (int sp : g.safePoints()) {
            long n = normalized(sp, offShift, "safepoint");
            if (offsetBits < 32 && n >= 1L << offsetBits) {
                throw new IllegalArgumentException("safepoint " + sp + " does not fit " + offsetBits + " bits");
            }
            w.write(n, offsetBits);
        }

        long last = 0;
        long totalLength = 0;
        for (GcInfo.InterruptibleRange range : g.interruptibleRanges()) {
            long start = normalized(range.start(), offShift, "range start");
            long end = normalized(range.end(), offShift, "range end");
            if (start < last || end <= start) {
                throw new IllegalArgumentException("interruptible ranges must be ascending, disjoint and non-empty: " + range);
            }
            w.writeVarUnsigned(start - last, GcInfo.INTERRUPTIBLE_RANGE_DELTA_ENCBASE);
            w.writeVarUnsigned(end - start - 1, GcInfo.INTERRUPTIBLE_RANGE_DELTA_ENCBASE);
            last = end;
            totalLength += end - start;
        }

        int numRegisters = g.numRegisters();
        int numStack = g.numStackSlots();
        int numUntracked = g.numUntracked();
        w.writeBit(numRegisters > 0);
        if (numRegisters > 0) {
            w.writeVarUnsigned(numRegisters, enc.numRegistersEncBase);
        }
        w.writeBit(numStack + numUntracked > 0);
        if (numStack + numUntracked > 0) {
            w.writeVarUnsigned(numStack, GcInfo.NUM_STACK_SLOTS_ENCBASE);
            w.writeVarUnsigned(numUntracked, GcInfo.NUM_UNTRACKED_SLOTS_ENCBASE);
        }
        List<GcSlot> slots = g.slots();
        writeRegisters(w, slots.subList(0, numRegisters));
        writeStackSlots(w, slots.subList(numRegisters, numRegisters + numStack), false);
        writeStackSlots(w, slots.subList(numRegisters + numStack, slots.size()), true);

        int numTracked = numRegisters + numStack;
        boolean liveWritten = !slots.isEmpty() && numSafePoints > 0;
        if (liveWritten != (g.safePointLiveness() != null)) {
            throw new IllegalArgumentException("safepoint live state " + (liveWritten ? "missing" : "given without safepoints and slots"));
        }
        TreeMap<Long, Runnable> info2 = new TreeMap<>();
        if (g.safePointLiveness() instanceof GcInfo.Direct) {
            GcInfo.Direct d = (GcInfo.Direct) g.safePointLiveness();
            if (d.live().size() != numSafePoints) {
                throw new IllegalArgumentException(d.live().size() + " live vectors for " + numSafePoints + " safepoints");
            }
            w.writeBit(false);
            for (BitSet b : d.live()) {
                if (b.length() > numTracked) {
                    throw new IllegalArgumentException("live slot " + (b.length() - 1) + " beyond the " + numTracked + " tracked slots");
                }
                for (int k = 0; k < numTracked; k++) {
                    w.writeBit(b.get(k));
                }
            }
        } else if (g.safePointLiveness() instanceof GcInfo.Indirect) {
            GcInfo.Indirect in = (GcInfo.Indirect) g.safePointLiveness();
            if (in.pointers().size() != numSafePoints || in.pointerBits() < 1 || in.pointerBits() > MAX_POINTER_BITS) {
                throw new IllegalArgumentException(in.pointers().size() + " live-set pointers of " + in.pointerBits() + " bits for "
                        + numSafePoints + " safepoints");
            }
            w.writeBit(true);
            w.writeVarUnsigned(in.pointerBits() - 1L, GcInfo.POINTER_SIZE_ENCBASE);
            for (int p : in.pointers()) {
                checkPointer(p, in.pointerBits());
                w.write(p, in.pointerBits());
            }
            for (GcInfo.LiveSet s : in.sets()) {
                if (!in.pointers().contains(s.offset()) || info2.put((long) s.offset(), () -> s.vector().write(w, numTracked)) != null) {
                    throw new IllegalArgumentException("live set at offset " + s.offset() + " unreferenced or given twice");
                }
            }
            for (int p : in.pointers()) {
                if (!info2.containsKey((long) p)) {
                    throw new IllegalArgumentException("no live set at offset " + p);
                }
            }
        }
        boolean chunksWritten = !slots.isEmpty() && !g.interruptibleRanges().isEmpty();
        if (chunksWritten != (g.chunks() != null)) {
            throw new IllegalArgumentException("transition chunks " + (chunksWritten ? "missing" : "given without ranges and slots"));
        }
        if (g.chunks() != null) {
            GcInfo.TransitionChunks tc = g.chunks();
            long numChunks = (totalLength + GcInfo.CHUNK_SIZE - 1) / GcInfo.CHUNK_SIZE;
            if (tc.pointerBits() < 0 || tc.pointerBits() > MAX_POINTER_BITS || tc.chunks().size() != (tc.pointerBits() == 0 ? 0 : numChunks)) {
                throw new IllegalArgumentException(tc.chunks().size() + " chunks of " + tc.pointerBits() + "-bit pointers for "
                        + numChunks + " chunks of ranges");
            }
            w.writeVarUnsigned(tc.pointerBits(), GcInfo.POINTER_SIZE_ENCBASE);
            for (GcInfo.Chunk c : tc.chunks()) {
                checkPointer(c.pointer(), tc.pointerBits());
                if ((c.pointer() == 0) != (c.data() == null)) {
                    throw new IllegalArgumentException("a chunk has data exactly when its pointer is not 0");
                }
                w.write(c.pointer(), tc.pointerBits());
                if (c.data() != null && info2.put(c.pointer() - 1L, () -> writeChunk(w, c.data(), numTracked)) != null) {
                    throw new IllegalArgumentException("two Info2 structures at offset " + (c.pointer() - 1));
                }
            }
        }
        long info2Start = (w.position() + 7) & ~7L;
        w.padTo(info2Start);
        for (Map.Entry<Long, Runnable> e : info2.entrySet()) {
            if (info2Start + e.getKey() < w.position()) {
                throw new IllegalArgumentException("Info2 structure at offset " + e.getKey() + " overlaps the one before");
            }
            w.padTo(info2Start + e.getKey());
            e.getValue().run();
        }
        return w.toByteArray(w.position());
    }

    private static long normalized(long value, int shift, String what) {
        if (value < 0 || (value & ((1L << shift) - 1)) != 0) {
            throw new IllegalArgumentException(what + " " + value + " is not a non-negative multiple of " + (1 << shift));
        }
        return value >> shift;
    }

    private static void writeStackSlot(GcBitWriter w, int offset) {
        if ((offset & ((1 << GcInfo.STACK_SLOT_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException("stack slot offset " + offset + " is not a multiple of 8");
        }
        w.writeVarSigned(offset >> GcInfo.STACK_SLOT_SHIFT, GcInfo.STACK_SLOT_FIELD_ENCBASE);
    }

    private static void checkPointer(int pointer, int bits) {
        if (pointer < 0 || bits < 31 && pointer >= 1 << bits) {
            throw new IllegalArgumentException("pointer " + pointer + " does not fit " + bits + " bits");
        }
    }

    private static void writeRegisters(GcBitWriter w, List<GcSlot> registers) {
        GcSlot prev = null;
        for (GcSlot s : registers) {
            if (!s.isRegister()) {
                throw new IllegalArgumentException("registers come first in the slot table");
            }
            if (prev == null || prev.flags() != 0) {
                w.writeVarUnsigned(s.register(), GcInfo.REGISTER_ENCBASE);
                w.write(s.flags(), 2);
            } else {
                if (s.flags() != 0 || s.register() <= prev.register()) {
                    throw new IllegalArgumentException("after a plain register only plain registers of higher numbers (the encoder's sort): " + s);
                }
                w.writeVarUnsigned(s.register() - prev.register() - 1L, GcInfo.REGISTER_DELTA_ENCBASE);
            }
            prev = s;
        }
    }

    private static void writeStackSlots(GcBitWriter w, List<GcSlot> stack, boolean untracked) {
        GcSlot prev = null;
        for (GcSlot s : stack) {
            if (s.isRegister() || s.untracked() != untracked) {
                throw new IllegalArgumentException("stack slots follow the registers, tracked before untracked: " + s);
            }
            w.write(s.stackBase(), 2);
            if (prev == null || prev.flags() != 0) {
                writeStackSlot(w, s.stackOffset());
                w.write(s.flags(), 2);
            } else {
                if (s.flags() != 0 || s.stackOffset() < prev.stackOffset() || (s.stackOffset() & 7) != 0) {
                    throw new IllegalArgumentException("after a plain stack slot only plain slots at higher offsets (the encoder's sort): " + s);
                }
                w.writeVarUnsigned((s.stackOffset() - (long) prev.stackOffset()) >> GcInfo.STACK_SLOT_SHIFT, GcInfo.STACK_SLOT_DELTA_ENCBASE);
            }
            prev = s;
        }
    }

    private static void writeChunk(GcBitWriter w, GcInfo.ChunkData d, int numTracked) {
        d.couldBeLive().write(w, numTracked);
        BitSet cbl = d.couldBeLive().slots();
        if (d.transitions().size() != cbl.cardinality()) {
            throw new IllegalArgumentException(d.transitions().size() + " transition lists for " + cbl.cardinality() + " slots");
        }
        for (int slot = cbl.nextSetBit(0); slot >= 0; slot = cbl.nextSetBit(slot + 1)) {
            w.writeBit(d.finalState().get(slot));
        }
        for (List<Integer> offsets : d.transitions()) {
            for (int t : offsets) {
                if (t < 0 || t >= GcInfo.CHUNK_SIZE) {
                    throw new IllegalArgumentException("transition offset " + t + " outside a chunk");
                }
                w.writeBit(true);
                w.write(t, GcInfo.CHUNK_LOG2);
            }
            w.writeBit(false);
        }
    }
}
