package r2rlab.emu.runtime;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import r2rlab.emu.unicorn.CpuEngine;

/**
 * The emulated GC heap: the managed objects (Tasks, continuations, exceptions and whatever the code allocates) in
 * one of two semispaces, bump-allocated; MethodTables and the runtime's own data stay in the runtime's heap and never
 * move. The {@link Layout} registry says, per MethodTable, an object's size and where its references are
 * (continuation MethodTables from their ContinuationLayout GC bitmap); the {@link Collector} copies the live objects
 * into the other semispace and poisons the one it leaves.
 */
public final class GcHeap {
    /** The first semispace: above the runtime's own 64 MiB. */
    public static final long SPACE_A = EmulatedRuntime.HEAP_BASE + (64L << 20);
    /** The second semispace. */
    public static final long SPACE_B = SPACE_A + (96L << 20);
    /** Each semispace's size (both fit below the stack's guard). */
    public static final long SPACE_SIZE = 94L << 20;
    /** The byte a collection fills the semispace it leaves with: a stale reference reads 0xDBDBDBDBDBDBDBDB. */
    public static final byte POISON = (byte) 0xDB;
    /** What a pointer-size read of poisoned memory gives. */
    public static final long POISON_WORD = 0xDBDBDBDBDBDBDBDBL;

    /**
     * The layout of the objects of one MethodTable: base size and the offsets of its reference fields (the GCDesc's
     * series, one offset per pointer-size field).
     */
    public record Layout(String name, int baseSize, List<Integer> referenceOffsets) {
        public Layout {
            referenceOffsets = List.copyOf(referenceOffsets);
        }
    }

    private final CpuEngine uc;
    private final Map<Long, Layout> layouts = new HashMap<>();
    /** MethodTables made from a ContinuationLayout. */
    private final Set<Long> continuations = new HashSet<>();
    private NavigableSet<Long> referencesInClearCells = new TreeSet<>();
    /** What a MethodTable registered nowhere says of its objects (its GCDesc), or null; consulted once per MethodTable. */
    private LongFunction<Layout> fromMethodTable = mt -> null;
    private long base = SPACE_A;
    private long top = SPACE_A;
    /** Bytes a semispace may fill before an allocation collects ({@link #SPACE_SIZE} unless set smaller). */
    private long limit = SPACE_SIZE;
    /** The objects of the current semispace: start to size. */
    private TreeMap<Long, Integer> objects = new TreeMap<>();

    GcHeap(CpuEngine uc) {
        this.uc = uc;
    }

    /** A semispace holds at most {@code bytes} (up to {@link #SPACE_SIZE}): a small heap collects often. */
    public void limit(long bytes) {
        if (bytes < 64 || bytes > SPACE_SIZE) {
            throw new IllegalArgumentException("a semispace of " + bytes + " bytes");
        }
        this.limit = bytes;
    }

    /** The bytes a semispace may fill. */
    public long spaceLimit() {
        return limit;
    }

    /** Registers the layout of {@code methodTable}'s objects (a type the runtime or a fixup made). */
    public void register(long methodTable, Layout layout) {
        layouts.put(methodTable, layout);
    }

    /** Registers a continuation MethodTable made from a ContinuationLayout's GC map. */
    public void registerContinuation(long methodTable, Layout layout) {
        register(methodTable, layout);
        continuations.add(methodTable);
    }

    /**
     * The write barrier's note: a reference was stored at {@code dst}. A store into a data cell of a continuation
     * whose GC map leaves the cell clear is remembered: the code holds a reference there that the GC will not see (B8).
     * (A later plain store into the cell goes unseen; code writes a continuation's cells once, at its suspension.)
     */
    void referenceStored(long dst) {
        long object = objectContaining(dst);
        if (object < 0) {
            return;
        }
        long mt = uc.readLong(object);
        Layout layout = continuations.contains(mt) ? layout(mt) : null;
        int offset = (int) (dst - object);
        if (layout != null && offset >= AsyncDispatcher.CONTINUATION.data() && !layout.referenceOffsets().contains(offset)) {
            referencesInClearCells.add(dst);
        }
    }

    /** Addresses of continuation cells its GC map leaves clear into which code stored a reference, ascending. */
    NavigableSet<Long> referencesInClearCells() {
        return referencesInClearCells;
    }

    /** After a collection: the cells of {@link #referencesInClearCells()} at the addresses of the objects' copies. */
    void replaceReferencesInClearCells(NavigableSet<Long> moved) {
        referencesInClearCells = moved;
    }

    /** Reads the layout of a MethodTable that was not registered from the MethodTable itself (its GCDesc). */
    public void layoutsFromMethodTables(LongFunction<Layout> reader) {
        this.fromMethodTable = reader;
    }

    /** The layout of {@code methodTable}: registered, or read from the MethodTable; null when neither knows it. */
    public Layout layout(long methodTable) {
        Layout l = layouts.get(methodTable);
        if (l == null) {
            l = fromMethodTable.apply(methodTable);
            if (l != null) {
                layouts.put(methodTable, l);
            }
        }
        return l;
    }

    /** A zeroed object of {@code size} bytes with {@code methodTable} at +0, or 0 when the semispace has no room. */
    long allocate(long methodTable, int size) {
        long at = top;
        long end = (top + size + 15) & ~15L;
        if (end > base + limit) {
            return 0;
        }
        top = end;
        objects.put(at, size);
        uc.writeLong(at, methodTable);
        return at;
    }

    /** Whether {@code address} is the start of an object of the current semispace. */
    public boolean isObject(long address) {
        return objects.containsKey(address);
    }

    /** Whether {@code address} lies in either semispace (an object, a stale copy, or free space). */
    public static boolean inObjectSpaces(long address) {
        return address >= SPACE_A && address < SPACE_A + SPACE_SIZE || address >= SPACE_B && address < SPACE_B + SPACE_SIZE;
    }

    /** The start of the object of the current semispace that holds {@code address}, or -1. */
    long objectContaining(long address) {
        Map.Entry<Long, Integer> e = objects.floorEntry(address);
        return e != null && address < e.getKey() + Math.max(8, e.getValue()) ? e.getKey() : -1;
    }

    int sizeOf(long object) {
        return objects.get(object);
    }

    /** A reference field of an object of the current semispace. */
    @FunctionalInterface
    interface FieldVisitor {
        void visit(long object, Layout layout, int offset);
    }

    /** Every reference field of every object of the current semispace whose MethodTable has a layout. */
    void forEachReferenceField(FieldVisitor visitor) {
        for (Map.Entry<Long, Integer> e : objects.entrySet()) {
            Layout layout = layout(uc.readLong(e.getKey()));
            if (layout != null) {
                for (int off : layout.referenceOffsets()) {
                    visitor.visit(e.getKey(), layout, off);
                }
            }
        }
    }

    /** Bytes allocated in the current semispace. */
    public long used() {
        return top - base;
    }

    /** Objects in the current semispace. */
    public int objectCount() {
        return objects.size();
    }

    /** The base of the current semispace ({@link #SPACE_A} or {@link #SPACE_B}). */
    public long spaceBase() {
        return base;
    }

    /** The other semispace, where a collection copies to. */
    long otherBase() {
        return base == SPACE_A ? SPACE_B : SPACE_A;
    }

    /** After a collection: the other semispace, holding {@code copied} up to {@code newTop}, becomes current. */
    void flip(TreeMap<Long, Integer> copied, long newTop) {
        long oldBase = base;
        long oldTop = top;
        base = otherBase();
        top = newTop;
        objects = copied;
        poison(oldBase, oldTop);
    }

    private void poison(long from, long to) {
        byte[] page = new byte[64 << 10];
        Arrays.fill(page, POISON);
        for (long a = from; a < to; a += page.length) {
            uc.memWrite(a, to - a >= page.length ? page : Arrays.copyOf(page, (int) (to - a)));
        }
    }
}
