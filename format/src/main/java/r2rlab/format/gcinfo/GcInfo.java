package r2rlab.format.gcinfo;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;

/**
 * The GcInfo blob the JIT writes after a method's unwind record (gcinfoencoder.cpp {@code GcInfoEncoder::Build},
 * read by gcinfodecoder.cpp), for x64 and ARM64, GcInfo versions 1-4: header (slim or fat), code length, prolog
 * and epilog sizes, the GS cookie, PSPSym, generics-context, security-object and reverse-P/Invoke slots and the
 * stack base register where the header flags say so, the outgoing area, the safepoints (call sites) and
 * interruptible ranges, the slot table, and the live state: one vector per safepoint (directly, or through
 * pointers into the second bit stream, where identical sets are stored once), and for fully interruptible code
 * 64-offset chunks of transitions. {@link #decode} reads a blob, {@link #encode} writes the same bits back.
 *
 * <p>Values are denormalized: code lengths and offsets in bytes, stack slots in bytes, registers by number. The
 * layout choices the encoder made (slim or fat, direct or indirect live sets, each vector's form, Info2 offsets)
 * are kept, so that {@code encode(decode(blob))} gives the blob again.
 *
 * @param encoding                          x64 or ARM64 constants
 * @param version                           the GcInfo version (not in the blob: {@link #versionForReadyToRun})
 * @param fat                               a fat header (slim: no flags but the stack base register)
 * @param headerFlags                       the {@code GC_INFO_*} flags; a slim header has at most {@link #HAS_STACK_BASE_REGISTER}
 * @param returnKind                        v2/v3 ReturnKind (0 RT_Scalar, 1 RT_Object, 2 RT_ByRef, 3 RT_Unset, fat: two-register kinds); 0 otherwise
 * @param codeLength                        bytes of code, funclets included
 * @param prologSize                        bytes of prolog, with a GS cookie, a generics context or a security object; else 0
 * @param epilogSize                        bytes of epilog, with a GS cookie; else 0
 * @param securityObjectStackSlot           v1-v3 security object slot (caller-SP relative), with {@link #HAS_SECURITY_OBJECT}
 * @param gsCookieStackSlot                 caller-SP relative GS cookie slot, with {@link #HAS_GS_COOKIE}
 * @param pspSymStackSlot                   PSPSym slot, with {@link #HAS_PSP_SYM}
 * @param genericsInstContextStackSlot      generics context slot, with a {@link #GENERICS_INST_CONTEXT_MASK} kind
 * @param stackBaseRegister                 the stack base register, or -1 without {@link #HAS_STACK_BASE_REGISTER}
 * @param sizeOfEditAndContinuePreservedArea as encoded, with {@link #HAS_EDIT_AND_CONTINUE_INFO}
 * @param sizeOfEditAndContinueFixedStackFrame ARM64, as encoded, with {@link #HAS_EDIT_AND_CONTINUE_INFO}
 * @param reversePInvokeFrameStackSlot      the reverse P/Invoke frame slot, with {@link #REVERSE_PINVOKE_FRAME} (v2 on)
 * @param sizeOfStackOutgoingAndScratchArea bytes (fat only; a slim header reads 0)
 * @param safePoints                        code offsets, ascending (v4: return addresses; v1-v3: return address − 1)
 * @param interruptibleRanges               byte ranges, ascending
 * @param slots                             the slot table: registers, tracked stack slots, untracked stack slots
 * @param safePointLiveness                 the live state at each safepoint; null where none is written (no safepoints or no slots)
 * @param chunks                            the fully-interruptible transitions; null where none is written (no ranges or no slots)
 */
public record GcInfo(GcInfoEncoding encoding, int version, boolean fat, int headerFlags, int returnKind, int codeLength,
                     int prologSize, int epilogSize, int securityObjectStackSlot, int gsCookieStackSlot, int pspSymStackSlot,
                     int genericsInstContextStackSlot, int stackBaseRegister, int sizeOfEditAndContinuePreservedArea,
                     int sizeOfEditAndContinueFixedStackFrame, int reversePInvokeFrameStackSlot, int sizeOfStackOutgoingAndScratchArea,
                     List<Integer> safePoints, List<InterruptibleRange> interruptibleRanges, List<GcSlot> slots,
                     SafePointLiveness safePointLiveness, TransitionChunks chunks) {

    /** GC_INFO_IS_VARARG. */
    public static final int IS_VARARG = 0x1;
    /** GC_INFO_HAS_SECURITY_OBJECT (read by v1-v3 decoders; the v4 encoder never sets it). */
    public static final int HAS_SECURITY_OBJECT = 0x2;
    /** GC_INFO_HAS_GS_COOKIE. */
    public static final int HAS_GS_COOKIE = 0x4;
    /** GC_INFO_HAS_PSP_SYM. */
    public static final int HAS_PSP_SYM = 0x8;
    /** GC_INFO_HAS_GENERICS_INST_CONTEXT_MASK: 0x10 MethodTable, 0x20 MethodDesc, 0x30 this. */
    public static final int GENERICS_INST_CONTEXT_MASK = 0x30;
    /** GC_INFO_HAS_STACK_BASE_REGISTER. */
    public static final int HAS_STACK_BASE_REGISTER = 0x40;
    /** x64 GC_INFO_WANTS_REPORT_ONLY_LEAF; ARM64 GC_INFO_HAS_TAILCALLS. */
    public static final int WANTS_REPORT_ONLY_LEAF_OR_HAS_TAILCALLS = 0x80;
    /** GC_INFO_HAS_EDIT_AND_CONTINUE_INFO. */
    public static final int HAS_EDIT_AND_CONTINUE_INFO = 0x100;
    /** GC_INFO_REVERSE_PINVOKE_FRAME (v2 on). */
    public static final int REVERSE_PINVOKE_FRAME = 0x200;

    // Encoding bases both architectures share (gcinfotypes.h); the others are GcInfoEncoding's.
    static final int CODE_LENGTH_ENCBASE = 8;
    static final int NORM_PROLOG_SIZE_ENCBASE = 5;
    static final int NORM_EPILOG_SIZE_ENCBASE = 3;
    static final int STACK_SLOT_FIELD_ENCBASE = 6;
    static final int SIZE_OF_EDIT_AND_CONTINUE_ENCBASE = 4;
    static final int SIZE_OF_STACK_AREA_ENCBASE = 3;
    static final int NUM_INTERRUPTIBLE_RANGES_ENCBASE = 1;
    static final int INTERRUPTIBLE_RANGE_DELTA_ENCBASE = 6;
    static final int NUM_STACK_SLOTS_ENCBASE = 2;
    static final int NUM_UNTRACKED_SLOTS_ENCBASE = 1;
    static final int REGISTER_ENCBASE = 3;
    static final int REGISTER_DELTA_ENCBASE = 2;
    static final int STACK_SLOT_ENCBASE = 6;
    static final int STACK_SLOT_DELTA_ENCBASE = 4;
    static final int POINTER_SIZE_ENCBASE = 3;
    static final int LIVESTATE_RLE_RUN_ENCBASE = 2;
    static final int LIVESTATE_RLE_SKIP_ENCBASE = 4;
    static final int STACK_SLOT_SHIFT = 3;
    static final int RETURN_KIND_SLIM_BITS = 2;
    static final int RETURN_KIND_FAT_BITS = 4;
    /** NUM_NORM_CODE_OFFSETS_PER_CHUNK_LOG2. */
    public static final int CHUNK_LOG2 = 6;
    /** NUM_NORM_CODE_OFFSETS_PER_CHUNK. */
    public static final int CHUNK_SIZE = 1 << CHUNK_LOG2;

    public GcInfo {
        safePoints = List.copyOf(safePoints);
        interruptibleRanges = List.copyOf(interruptibleRanges);
        slots = List.copyOf(slots);
    }

    /** An interruptible range {@code [start, end)} in code bytes. */
    public record InterruptibleRange(int start, int end) {
    }

    /** The live state at the safepoints: {@link Direct} or {@link Indirect}. */
    public sealed interface SafePointLiveness permits Direct, Indirect {
        /** The tracked slots live at safepoint {@code index}. */
        BitSet liveAt(int index);
    }

    /** One bit vector per safepoint, in the first bit stream. */
    public record Direct(List<BitSet> live) implements SafePointLiveness {
        public Direct {
            live = List.copyOf(live);
        }

        @Override
        public BitSet liveAt(int index) {
            return (BitSet) live.get(index).clone();
        }
    }

    /**
     * Per safepoint a {@code pointerBits}-wide bit offset into the second bit stream, where the distinct live sets
     * lie ({@code sets}, by offset; the encoder's hash-table order decides which comes first).
     */
    public record Indirect(int pointerBits, List<Integer> pointers, List<LiveSet> sets) implements SafePointLiveness {
        public Indirect {
            pointers = List.copyOf(pointers);
            sets = List.copyOf(sets);
        }

        @Override
        public BitSet liveAt(int index) {
            int p = pointers.get(index);
            for (LiveSet s : sets) {
                if (s.offset() == p) {
                    return (BitSet) s.vector().slots().clone();
                }
            }
            throw new IllegalStateException("no live set at offset " + p);
        }
    }

    /** A live set at a bit offset of the second bit stream. */
    public record LiveSet(int offset, SlotStateVector vector) {
    }

    /**
     * The fully-interruptible live state: the interruptible ranges laid end to end (pseudo offsets, normalized)
     * cut into chunks of {@link #CHUNK_SIZE}; per chunk a pointer of {@code pointerBits} bits (0: no transitions
     * in the chunk, else 1 + the bit offset of its data in the second bit stream). {@code pointerBits} 0 writes
     * no pointers at all.
     */
    public record TransitionChunks(int pointerBits, List<Chunk> chunks) {
        public TransitionChunks {
            chunks = List.copyOf(chunks);
        }
    }

    /** A chunk's pointer and, where it is not 0, its data. */
    public record Chunk(int pointer, ChunkData data) {
    }

    /**
     * A chunk's data: the slots that could be live in it, each one's state at the chunk's end, and each one's
     * transition offsets within the chunk (ascending, 1-63: a change at offset 0 is not written).
     */
    public record ChunkData(SlotStateVector couldBeLive, BitSet finalState, List<List<Integer>> transitions) {
        public ChunkData {
            transitions = List.copyOf(transitions);
        }
    }

    /** A change of a tracked slot's state at a code offset, as the fully-interruptible data implies it. */
    public record Transition(int codeOffset, int slot, boolean live) {
    }

    /** A decoded blob: the value, and where its two bit streams end (the blob is ⌈info1/8⌉ + ⌈info2/8⌉ bytes). */
    public record Decoded(GcInfo info, long info1Bits, long info2Bits) {
        public int size() {
            return (int) ((info1Bits + 7) / 8 + (info2Bits + 7) / 8);
        }
    }

    /**
     * GCInfoToken::ReadyToRunVersionToGcInfoVersion: 4 from R2R 11, 3 from 9.2 (bits as v2), 2 before, 1 for R2R 1.x
     * (r2rdump's mapping; v2 and v3 are the same bits).
     */
    public static int versionForReadyToRun(int major, int minor) {
        if (major >= 11) {
            return 4;
        }
        if (major == 1) {
            return 1;
        }
        return major > 9 || major == 9 && minor >= 2 ? 3 : 2;
    }

    /**
     * Decodes the blob at {@code data[offset]} (which may run to the end of {@code data}); {@code structure} names it
     * in errors ("GcInfo of System.SR.Format"), which give the bit position.
     */
    public static Decoded decode(byte[] data, long offset, GcInfoEncoding encoding, int version, String structure) {
        return GcInfoCodec.decode(data, offset, encoding, version, structure);
    }

    /** The blob's bytes: {@link Decoded#size()} of them for a decoded value, without the pad to 4 crossgen2 adds. */
    public byte[] encode() {
        return GcInfoCodec.encode(this);
    }

    public int numRegisters() {
        int n = 0;
        for (GcSlot s : slots) {
            n += s.isRegister() ? 1 : 0;
        }
        return n;
    }

    public int numUntracked() {
        int n = 0;
        for (GcSlot s : slots) {
            n += s.untracked() ? 1 : 0;
        }
        return n;
    }

    public int numStackSlots() {
        return slots.size() - numRegisters() - numUntracked();
    }

    /** Registers and tracked stack slots: the slots the live-state vectors have a bit for (the first in {@link #slots}). */
    public int numTracked() {
        return slots.size() - numUntracked();
    }

    public boolean has(int flag) {
        return (headerFlags & flag) != 0;
    }

    /**
     * The tracked slots live at {@code codeOffset} as the runtime's {@code EnumerateLiveSlots} finds them: the
     * safepoint's vector where a safepoint has this offset, else the chunk state where an interruptible range holds
     * it, else none (untracked slots are live everywhere and not part of the answer).
     */
    public BitSet trackedLiveAt(int codeOffset) {
        int i = Collections.binarySearch(safePoints, codeOffset);
        if (i >= 0 && safePointLiveness != null) {
            return safePointLiveness.liveAt(i);
        }
        int shift = encoding.codeOffsetShift(version);
        long pseudo = -1;
        long accumulated = 0;
        for (InterruptibleRange r : interruptibleRanges) {
            if (codeOffset >= r.start() && codeOffset < r.end()) {
                pseudo = accumulated + (codeOffset >> shift) - (r.start() >> shift);
                break;
            }
            accumulated += (r.end() >> shift) - (r.start() >> shift);
        }
        BitSet live = new BitSet();
        if (pseudo < 0 || chunks == null || chunks.chunks().isEmpty()) {
            return live;
        }
        int c = (int) (pseudo / CHUNK_SIZE);
        int within = (int) (pseudo % CHUNK_SIZE);
        ChunkData d = chunks.chunks().get(c).data();
        if (d == null) {
            for (int k = c - 1; k >= 0 && d == null; k--) {
                d = chunks.chunks().get(k).data();
            }
            if (d != null) {
                live.or(d.finalState());
            }
            return live;
        }
        int n = 0;
        for (int slot = d.couldBeLive().slots().nextSetBit(0); slot >= 0; slot = d.couldBeLive().slots().nextSetBit(slot + 1), n++) {
            boolean isLive = d.finalState().get(slot);
            for (int t : d.transitions().get(n)) {
                if (t > within) {
                    isLive = !isLive;
                }
            }
            if (isLive) {
                live.set(slot);
            }
        }
        return live;
    }

    /**
     * Every state change the chunks imply, by code offset then slot: each written transition, and a change at a
     * chunk's first offset where a slot's state there differs from the state carried from the chunk before (the
     * encoder drops transitions at offset 0 of a chunk).
     */
    public List<Transition> transitions() {
        List<Transition> out = new ArrayList<>();
        if (chunks == null) {
            return out;
        }
        BitSet carried = new BitSet();
        for (int c = 0; c < chunks.chunks().size(); c++) {
            ChunkData d = chunks.chunks().get(c).data();
            if (d == null) {
                continue;
            }
            int n = 0;
            BitSet cbl = d.couldBeLive().slots();
            for (int slot = cbl.nextSetBit(0); slot >= 0; slot = cbl.nextSetBit(slot + 1), n++) {
                List<Integer> ts = d.transitions().get(n);
                boolean state = d.finalState().get(slot) ^ (ts.size() & 1) != 0;
                if (state != carried.get(slot)) {
                    out.add(new Transition(codeOffsetOfPseudo((long) c * CHUNK_SIZE), slot, state));
                }
                for (int t : ts) {
                    state = !state;
                    out.add(new Transition(codeOffsetOfPseudo((long) c * CHUNK_SIZE + t), slot, state));
                }
            }
            carried = (BitSet) d.finalState().clone();
        }
        out.sort((a, b) -> a.codeOffset() != b.codeOffset() ? Integer.compare(a.codeOffset(), b.codeOffset()) : Integer.compare(a.slot(), b.slot()));
        return out;
    }

    /** The code offset of a pseudo offset (normalized, ranges laid end to end); -1 past the last range. */
    public int codeOffsetOfPseudo(long pseudo) {
        int shift = encoding.codeOffsetShift(version);
        long accumulated = 0;
        for (InterruptibleRange r : interruptibleRanges) {
            long length = (r.end() >> shift) - (r.start() >> shift);
            if (pseudo < accumulated + length) {
                return (int) (((r.start() >> shift) + pseudo - accumulated) << shift);
            }
            accumulated += length;
        }
        return -1;
    }
}
