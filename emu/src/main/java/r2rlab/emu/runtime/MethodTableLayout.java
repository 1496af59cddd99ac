package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.List;
import r2rlab.emu.unicorn.CpuEngine;

/**
 * The part of a MethodTable the garbage collector reads, as CoreCLR lays it out for 64-bit targets: the flags at +0
 * (ContainsGCPointers 0x01000000), the base size at +4, and before the MethodTable the GCDesc: the number of series
 * at MT-8, then the series {seriessize, startoffset} below it, the lowest series (smallest start offset) at the lowest
 * address; seriessize is the run's length in bytes minus the base size (CGCDesc::GetNumSeries, GetLowestSeries). The
 * collector reads an object's size and the offsets of its reference fields from here.
 */
public final class MethodTableLayout {
    /** MethodTable flag: the type's instances hold references (enum_flag_ContainsGCPointers). */
    public static final int CONTAINS_GC_POINTERS = 0x01000000;
    /** Offset of the base size in a MethodTable. */
    public static final int BASE_SIZE = 4;
    /** Bytes reserved after the MethodTable pointer for the rest of the MethodTable. */
    private static final int BODY = 64;
    private static final int SERIES = 16;

    private MethodTableLayout() {
    }

    /**
     * A new MethodTable for objects of {@code baseSize} bytes whose reference fields are at {@code referenceOffsets}
     * (ascending, from the object reference); runs of adjacent fields share one series.
     */
    static long allocate(EmulatedRuntime rt, int baseSize, List<Integer> referenceOffsets) {
        List<int[]> runs = new ArrayList<>();
        for (int offset : referenceOffsets) {
            int[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[0] + last[1] == offset) {
                last[1] += 8;
            } else {
                runs.add(new int[] {offset, 8});
            }
        }
        int gcDesc = runs.isEmpty() ? 0 : 8 + SERIES * runs.size();
        long block = rt.allocate(((gcDesc + 15) & ~15) + BODY);
        long mt = block + ((gcDesc + 15) & ~15);
        CpuEngine e = rt.engine();
        e.writeLong(mt, (long) (runs.isEmpty() ? 0 : CONTAINS_GC_POINTERS) | (long) baseSize << 32);
        if (!runs.isEmpty()) {
            e.writeLong(mt - 8, runs.size());
            long lowest = mt - 8 - SERIES * runs.size();
            for (int i = 0; i < runs.size(); i++) {
                e.writeLong(lowest + (long) SERIES * i, runs.get(i)[1] - (long) baseSize);
                e.writeLong(lowest + (long) SERIES * i + 8, runs.get(i)[0]);
            }
        }
        return mt;
    }

    /** The base size of objects of MethodTable {@code mt}. */
    public static int baseSize(CpuEngine e, long mt) {
        return e.readInt(mt + BASE_SIZE);
    }

    /** The offsets of the reference fields of objects of MethodTable {@code mt}, ascending, read from its GCDesc. */
    public static List<Integer> referenceOffsets(CpuEngine e, long mt) {
        List<Integer> out = new ArrayList<>();
        if ((e.readInt(mt) & CONTAINS_GC_POINTERS) == 0) {
            return out;
        }
        long series = e.readLong(mt - 8);
        int baseSize = baseSize(e, mt);
        if (series < 1 || series > 4096) {
            throw new IllegalStateException(String.format("MethodTable 0x%X has %d GCDesc series", mt, series));
        }
        long lowest = mt - 8 - SERIES * series;
        for (long i = 0; i < series; i++) {
            long size = e.readLong(lowest + SERIES * i) + baseSize;
            long start = e.readLong(lowest + SERIES * i + 8);
            for (long o = start; o < start + size; o += 8) {
                out.add((int) o);
            }
        }
        return out;
    }
}
