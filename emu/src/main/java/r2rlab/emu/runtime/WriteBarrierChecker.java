package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emu.unicorn.CpuEngine;

/**
 * GC heap verification with a shadow heap, as the runtime's HEAPVERIFY shadow checks do: every store the write
 * barrier sees (the WriteBarrier and CheckedWriteBarrier helpers, and the runtime's own stores of references) is
 * copied into the shadow; at every safepoint each reference field of every object (by its MethodTable's layout) is
 * compared with its shadow, and a field whose value the shadow does not have was stored without the barrier. A
 * finding names the object, the field, the value, and the code that ran since the last safepoint (the frame that
 * reached this one). Storing null needs no barrier (the JIT omits it), so a field that became null is not a finding.
 * After a collection the shadow is taken afresh from the moved heap.
 */
public final class WriteBarrierChecker {
    private final CpuEngine uc;
    private final GcHeap heap;
    private final Map<Long, Long> shadow = new HashMap<>();
    private final List<String> findings = new ArrayList<>();

    WriteBarrierChecker(CpuEngine uc, GcHeap heap) {
        this.uc = uc;
        this.heap = heap;
    }

    /** The barrier ran for a reference stored at {@code dst}. */
    void barrier(long dst) {
        shadow.put(dst, uc.readLong(dst));
    }

    /** Every reference field against its shadow; {@code since} names the code that ran since the last check. */
    void verify(String since) {
        heap.forEachReferenceField((object, layout, offset) -> {
            long address = object + offset;
            long value = uc.readLong(address);
            long expected = shadow.getOrDefault(address, 0L);
            if (value != expected && value != 0) { // a null store needs no barrier (the JIT omits it)
                findings.add(String.format("%s 0x%X field +0x%X holds 0x%X, stored without a write barrier (found at the safepoint"
                        + " after %s)", layout.name(), object, offset, value, since));
                shadow.put(address, value); // reported once
            }
        });
    }

    /** After a collection: the shadow of the heap as it is now. */
    void rebuild() {
        shadow.clear();
        heap.forEachReferenceField((object, layout, offset) -> {
            long value = uc.readLong(object + offset);
            if (value != 0) {
                shadow.put(object + offset, value);
            }
        });
    }

    /** Stores found without a barrier, in the order found. */
    public List<String> findings() {
        return List.copyOf(findings);
    }
}
