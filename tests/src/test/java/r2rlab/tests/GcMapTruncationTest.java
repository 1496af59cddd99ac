package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import r2rlab.emitter.Architecture;
import r2rlab.emu.runtime.Collector;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.GcHeap;
import r2rlab.format.r2r.TypeLayout;

/**
 * B8's runtime half under the moving collector: a continuation whose GC map lacks its last byte (as B8's truncating
 * writer leaves a 9-cell map of 2 bytes with 1) is traced through the cells the map names. A reference in cell 8 (the
 * missing byte) is neither copied nor updated: after the collection the cell still holds the old address, where the
 * object's fields read the poison pattern, and the collector names the cell, into which a reference was stored through
 * the write barrier although the map leaves it clear; with the whole map it holds the moved object. (The map is given here as the runtime would read it; on an
 * emitted image the defect continuation-map-short writes it: B8StaleReferenceTest.)
 */
class GcMapTruncationTest {
    private static final int DATA = 0x20;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aReferenceInTheMissingByteIsNotUpdated(boolean truncated) {
        BitSet refs = new BitSet();
        refs.set(0);
        refs.set(8);
        // 72 bytes of data: 9 cells, 2 map bytes; B8's writer sizes the array from 71 / 8 (a size that is not a multiple)
        byte[] map = TypeLayout.gcMap(truncated ? 71 : 72, 8, truncated ? bits(0) : refs, truncated);
        assertEquals(truncated ? 1 : 2, map.length);
        try (EmulatedRuntime rt = new EmulatedRuntime(Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64)))) {
            long taskMt = rt.taskMethodTable(); // the referenced objects: Tasks
            List<Integer> offsets = new ArrayList<>(List.of(8));
            for (int cell = 0; cell < 9; cell++) {
                if (cell / 8 < map.length && (map[cell / 8] >> (cell % 8) & 1) != 0) {
                    offsets.add(DATA + 8 * cell);
                }
            }
            // a continuation type of its own: 0x20 + 72 bytes, traced through the cells of the map as read
            long mt = rt.allocate(64); // in the runtime's heap, which never moves
            rt.gcHeap().registerContinuation(mt, new GcHeap.Layout("Continuation_72", DATA + 72, offsets));
            rt.engine().memWrite(mt + 4, new byte[] {DATA + 72, 0, 0, 0}); // the base size
            long cont = rt.allocateObject(mt);
            long first = rt.allocateObject(taskMt);
            long last = rt.allocateObject(taskMt);
            rt.engine().writeLong(last + 16, 1234);
            rt.engine().writeLong(cont + DATA, first);
            rt.engine().writeLong(cont + DATA + 8 * 8, last);
            rt.writeBarrier(cont + DATA + 8 * 8); // stored as code stores it: through the write barrier
            long[] root = {cont};
            Collector.Result r = rt.collectBetweenRuns(root);
            long moved = root[0];
            assertNotEquals(cont, moved);
            long cell8 = rt.engine().readLong(moved + DATA + 8 * 8);
            if (truncated) {
                assertEquals(last, cell8, "the cell keeps the old address");
                assertEquals(GcHeap.POISON_WORD, rt.engine().readLong(cell8 + 16), "the stale pointer reads the poison");
                assertEquals(2, r.objects()); // the continuation and the Task of cell 0
                // the reference stored through the barrier into a cell the map leaves clear is named
                assertEquals(List.of(String.format("Continuation_72 0x%X (no ResumeInfo yet) +0x60, cell 8 of its data, clear in its GC map,"
                        + " holds 0x%X, a Task in the semispace this collection left: a stale reference, neither traced nor updated", moved,
                        last)), r.problems());
            } else {
                assertNotEquals(last, cell8);
                assertEquals(1234, rt.engine().readLong(cell8 + 16));
                assertEquals(3, r.objects());
                assertEquals(List.of(), r.problems());
            }
        }
    }

    private static BitSet bits(int... set) {
        BitSet b = new BitSet();
        for (int i : set) {
            b.set(i);
        }
        return b;
    }
}
