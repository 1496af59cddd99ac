package r2rlab.format.gcinfo;

import java.util.BitSet;

/**
 * A var-length live-state vector over the tracked slots ({@code WriteSlotStateVarLengthVector}): a live set in the
 * second bit stream, or a chunk's couldBeLive mask. Stored as {@link Form#SIMPLE} (one bit per tracked slot) or
 * run-length encoded: the number of leading dead slots, then alternately live and dead run lengths − 1, dead runs
 * in base {@link GcInfo#LIVESTATE_RLE_SKIP_ENCBASE} and live runs in base {@link GcInfo#LIVESTATE_RLE_RUN_ENCBASE}
 * ({@link Form#RLE}), or with the two bases swapped ({@link Form#RLE_NEGATED}).
 *
 * @param form  how the vector is written
 * @param slots the set slots (tracked slot indices); not to be modified
 */
public record SlotStateVector(Form form, BitSet slots) {
    /** The three encodings the encoder picks the smallest of. */
    public enum Form {
        SIMPLE, RLE, RLE_NEGATED
    }

    static SlotStateVector read(GcBitReader r, int numTracked) {
        BitSet slots = new BitSet();
        if (!r.readBit()) {
            if (numTracked > r.remaining()) {
                throw r.error(r.position(), numTracked + " slot bits cannot fit the " + r.remaining() + " bits left");
            }
            for (int i = 0; i < numTracked; i++) {
                if (r.readBit()) {
                    slots.set(i);
                }
            }
            return new SlotStateVector(Form.SIMPLE, slots);
        }
        boolean negated = r.readBit();
        int deadBase = negated ? GcInfo.LIVESTATE_RLE_RUN_ENCBASE : GcInfo.LIVESTATE_RLE_SKIP_ENCBASE;
        int liveBase = negated ? GcInfo.LIVESTATE_RLE_SKIP_ENCBASE : GcInfo.LIVESTATE_RLE_RUN_ENCBASE;
        long at = r.position();
        long index = r.readVarUnsigned(deadBase);
        boolean live = true;
        while (index < numTracked) {
            long count = (long) r.readVarUnsigned(live ? liveBase : deadBase) + 1;
            if (live) {
                slots.set((int) index, (int) Math.min(numTracked, index + count));
            }
            index += count;
            live = !live;
        }
        if (index != numTracked) {
            throw r.error(at, "run-length vector covers " + index + " slots, not the " + numTracked + " tracked slots");
        }
        return new SlotStateVector(negated ? Form.RLE_NEGATED : Form.RLE, slots);
    }

    void write(GcBitWriter w, int numTracked) {
        if (slots.length() > numTracked) {
            throw new IllegalArgumentException("live slot " + (slots.length() - 1) + " beyond the " + numTracked + " tracked slots");
        }
        if (form == Form.SIMPLE) {
            w.writeBit(false);
            for (int i = 0; i < numTracked; i++) {
                w.writeBit(slots.get(i));
            }
            return;
        }
        boolean negated = form == Form.RLE_NEGATED;
        int deadBase = negated ? GcInfo.LIVESTATE_RLE_RUN_ENCBASE : GcInfo.LIVESTATE_RLE_SKIP_ENCBASE;
        int liveBase = negated ? GcInfo.LIVESTATE_RLE_SKIP_ENCBASE : GcInfo.LIVESTATE_RLE_RUN_ENCBASE;
        w.writeBit(true);
        w.writeBit(negated);
        int index = slots.nextSetBit(0);
        index = index < 0 ? numTracked : index;
        w.writeVarUnsigned(index, deadBase);
        boolean live = true;
        while (index < numTracked) {
            int end = live ? slots.nextClearBit(index) : slots.nextSetBit(index);
            end = end < 0 || end > numTracked ? numTracked : end;
            w.writeVarUnsigned(end - index - 1L, live ? liveBase : deadBase);
            index = end;
            live = !live;
        }
    }
}
