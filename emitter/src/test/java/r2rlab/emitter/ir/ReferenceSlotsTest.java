package r2rlab.emitter.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;

/** MethodIr.referenceSlots() and the continuation built from it, worked out by hand from one method. */
class ReferenceSlotsTest {
    private static final String YAML = String.join("\n", "module: R", "types:", "  - name: Demo.R", "    methods:",
            "      - name: M", "        static: false", "        async: true", "        params: [n, Box b]", "        returns: Pair",
            "        body: |",
            "          var k = n + 1",            // $t3 = 1, $t4 = n + $t3, k = $t4
            "          var o = new Box(k)",       // $t6 = new Box(k), o = $t6
            "          var p: Pair = null",       // $t8 = null, p = $t8
            "          await yield",
            "          o.value = k",
            "          p = new Pair(o, b)",       // $t10 = new Pair(o, b)
            "          return p",
            "");

    private static BitSet bits(int... slots) {
        BitSet b = new BitSet();
        for (int s : slots) {
            b.set(s);
        }
        return b;
    }

    @Test
    void referenceSlotsAndTheSavedCells() {
        Scenario s = ScenarioParser.parse("r.yaml", YAML);
        MethodDecl m = s.methods().findFirst().orElseThrow();
        MethodIr ir = Lowering.lower(m, CodeVersion.R2R);
        assertEquals(List.of("this", "n", "b", "$t3", "$t4", "k", "$t6", "o", "$t8", "p", "$t10"), ir.slotNames());
        // this, b, the new Box and o, null and p, the new Pair; n, k and the integer temporaries are not references
        assertEquals(bits(0, 2, 6, 7, 8, 9, 10), ir.referenceSlots());
        ContinuationLayout c = ir.continuation();
        // live across the await: b and o (references), k (an integer); p is written before it is read again
        assertEquals(bits(2, 5, 7), c.savedSlots(0));
        assertEquals(-1, c.slotOffset(9));
        // data: Exception +0x20, ExecutionContext +0x28, b +0x30, k +0x38, o +0x40; the map marks all but k
        assertEquals(40, c.dataSize());
        assertEquals(List.of(0x30, 0x38, 0x40), List.of(c.slotOffset(2), c.slotOffset(5), c.slotOffset(7)));
        assertEquals(bits(0, 1, 2, 4), c.referenceCells());
        // Tier1 keeps the saved slots in reverse
        ContinuationLayout t1 = Lowering.lower(m, CodeVersion.TIER1).continuation();
        assertEquals(List.of(0x40, 0x38, 0x30), List.of(t1.slotOffset(2), t1.slotOffset(5), t1.slotOffset(7)));
        assertEquals(bits(0, 1, 2, 4), t1.referenceCells());
    }
}
