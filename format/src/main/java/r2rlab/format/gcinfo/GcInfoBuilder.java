package r2rlab.format.gcinfo;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Makes the {@link GcInfo} of a partially interruptible method as the JIT's encoder does ({@code GcInfoEncoder::Build},
 * GcInfo v4): call-site safepoints at return addresses with the tracked slots live at each, untracked stack slots
 * live throughout. It takes the encoder's decisions: a slim header unless a flag other than the frame register or an
 * outgoing area asks for a fat one, the slot table in the encoder's sort order (registers, tracked stack slots,
 * untracked stack slots; higher flags first; then register number or offset), tracked slots that are never live
 * dropped, and the live state stored directly or, where it is smaller, as distinct sets in the second bit stream,
 * each in the smallest of its three forms.
 */
public final class GcInfoBuilder {
    /** The encoder's order of the slot table ({@code CompareSlotDescAndIdBySlotDesc}). */
    public static final Comparator<GcSlot> SLOT_ORDER = Comparator
            .comparingInt((GcSlot s) -> s.isRegister() ? 0 : s.untracked() ? 2 : 1)
            .thenComparing(Comparator.comparingInt(GcSlot::flags).reversed())
            .thenComparingInt(s -> s.isRegister() ? s.register() : s.stackOffset())
            .thenComparingInt(GcSlot::stackBase);

    private final GcInfoEncoding encoding;
    private final int codeLength;
    private int headerFlags;
    private int stackBaseRegister = -1;
    private int outgoingArea;
    private final TreeMap<Integer, Set<GcSlot>> safePoints = new TreeMap<>();
    private final Set<GcSlot> untracked = new LinkedHashSet<>();

    /** A method of {@code codeLength} bytes (funclets and cold code included). */
    public GcInfoBuilder(GcInfoEncoding encoding, int codeLength) {
        this.encoding = encoding;
        this.codeLength = codeLength;
    }

    /** The frame register (RBP, X29) is the stack base register. */
    public GcInfoBuilder frameRegister() {
        stackBaseRegister = encoding.frameRegister;
        headerFlags |= GcInfo.HAS_STACK_BASE_REGISTER;
        return this;
    }

    /** Further header flags ({@link GcInfo#WANTS_REPORT_ONLY_LEAF_OR_HAS_TAILCALLS}...): they make the header fat. */
    public GcInfoBuilder flags(int flags) {
        headerFlags |= flags;
        return this;
    }

    /** The outgoing argument and scratch area (bytes), recorded in a fat header only. */
    public GcInfoBuilder outgoingArea(int bytes) {
        outgoingArea = bytes;
        return this;
    }

    /** A call site whose return address is {@code offset}, with the tracked slots live there (untracked ones are dropped). */
    public GcInfoBuilder safePoint(int offset, Iterable<GcSlot> live) {
        if (offset <= 0 || offset > codeLength) {
            throw new IllegalArgumentException("safepoint " + offset + " outside the code (" + codeLength + " bytes)");
        }
        Set<GcSlot> set = safePoints.computeIfAbsent(offset, k -> new LinkedHashSet<>());
        for (GcSlot s : live) {
            if (s.untracked()) {
                throw new IllegalArgumentException("an untracked slot has no liveness: " + s.text(encoding));
            }
            set.add(s);
        }
        return this;
    }

    /** A stack slot reported at every offset (zero-initialised in the prolog). */
    public GcInfoBuilder untracked(GcSlot slot) {
        if (slot.isRegister() || !slot.untracked()) {
            throw new IllegalArgumentException("untracked slots are stack slots marked untracked: " + slot.text(encoding));
        }
        untracked.add(slot);
        return this;
    }

    /** The GcInfo (v4). */
    public GcInfo build() {
        List<GcSlot> tracked = new ArrayList<>();
        for (Set<GcSlot> live : safePoints.values()) {
            for (GcSlot s : live) {
                if (!tracked.contains(s)) {
                    tracked.add(s);
                }
            }
        }
        tracked.sort(SLOT_ORDER);
        List<GcSlot> slots = new ArrayList<>(tracked);
        List<GcSlot> untrackedSorted = new ArrayList<>(untracked);
        untrackedSorted.sort(SLOT_ORDER);
        slots.addAll(untrackedSorted);

        List<Integer> offsets = new ArrayList<>(safePoints.keySet());
        List<BitSet> vectors = new ArrayList<>();
        for (Set<GcSlot> live : safePoints.values()) {
            BitSet b = new BitSet();
            for (GcSlot s : live) {
                b.set(tracked.indexOf(s));
            }
            vectors.add(b);
        }
        GcInfo.SafePointLiveness liveness = slots.isEmpty() || offsets.isEmpty() ? null : liveness(vectors, tracked.size());
        // The outgoing area alone does not make a header fat (ZipFile's SR.Format: 0x20 of home area, slim).
        boolean fat = (headerFlags & ~GcInfo.HAS_STACK_BASE_REGISTER) != 0;
        return new GcInfo(encoding, 4, fat, headerFlags, 0, codeLength, 0, 0, 0, 0, 0, 0, stackBaseRegister, 0, 0, 0,
                fat ? outgoingArea : 0, offsets, List.of(), slots, liveness, null);
    }

    /**
     * Direct vectors, or pointers to the distinct sets in the second bit stream when that is smaller: the encoder's
     * test {@code SizeofVarLengthUnsigned(pointerBits - 1, 3) + safepoints · pointerBits + 7 + Σ set sizes <
     * safepoints · tracked}.
     */
    private static GcInfo.SafePointLiveness liveness(List<BitSet> vectors, int numTracked) {
        Map<BitSet, Integer> setOffsets = new LinkedHashMap<>();
        List<GcInfo.LiveSet> sets = new ArrayList<>();
        int info2 = 0;
        int largest = 0;
        for (BitSet v : vectors) {
            if (!setOffsets.containsKey(v)) {
                SlotStateVector vector = smallest(v, numTracked);
                setOffsets.put(v, info2);
                sets.add(new GcInfo.LiveSet(info2, vector));
                largest = info2;
                info2 += sizeOf(vector, numTracked);
            }
        }
        int pointerBits = largest < 2 ? 1 : GcInfoCodec.ceilOfLog2(largest + 1L);
        long indirect = varUnsignedSize(pointerBits - 1L, GcInfo.POINTER_SIZE_ENCBASE) + (long) vectors.size() * pointerBits + 7 + info2;
        if (numTracked == 0 || indirect >= (long) vectors.size() * numTracked) {
            return new GcInfo.Direct(vectors);
        }
        List<Integer> pointers = new ArrayList<>();
        for (BitSet v : vectors) {
            pointers.add(setOffsets.get(v));
        }
        return new GcInfo.Indirect(pointerBits, pointers, sets);
    }

    /** The smallest form of {@code live} (ties: simple, then RLE); RLE is not tried where simple takes 10 bits or fewer. */
    static SlotStateVector smallest(BitSet live, int numTracked) {
        SlotStateVector best = new SlotStateVector(SlotStateVector.Form.SIMPLE, live);
        if (1 + numTracked <= 10) {
            return best;
        }
        for (SlotStateVector.Form f : List.of(SlotStateVector.Form.RLE, SlotStateVector.Form.RLE_NEGATED)) {
            SlotStateVector v = new SlotStateVector(f, live);
            if (sizeOf(v, numTracked) < sizeOf(best, numTracked)) {
                best = v;
            }
        }
        return best;
    }

    private static int sizeOf(SlotStateVector v, int numTracked) {
        GcBitWriter w = new GcBitWriter();
        v.write(w, numTracked);
        return (int) w.position();
    }

    private static int varUnsignedSize(long value, int base) {
        GcBitWriter w = new GcBitWriter();
        w.writeVarUnsigned(value, base);
        return (int) w.position();
    }
}
