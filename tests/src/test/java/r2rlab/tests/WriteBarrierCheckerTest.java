package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.r2r.ModuleMetadata;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.WriteBarrierChecker;
import r2rlab.loader.R2RImage;

/**
 * The write-barrier checker (a shadow heap compared with the GC heap at every safepoint): a reference stored into an
 * object without the barrier is named with the object, the field, the value and the code that ran before the
 * safepoint that found it; stores through the WriteBarrier helper and the runtime's own stores are not findings.
 */
class WriteBarrierCheckerTest {
    /** Spin(3) polls three times; between the first two polls a reference goes into a Task's chain-head field by a plain store. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void aPlainStoreIsFoundAtTheNextSafepoint(Architecture arch) {
        Scenario s = Emitted.scenario("gcpoint.yaml");
        R2RImage img = Emitted.read(Emitted.emit(s, arch));
        int spin = new ModuleMetadata(s).methodToken(method(s, "Demo.Gc.Spin"));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            WriteBarrierChecker checker = rt.checkWriteBarriers();
            long[] objects = new long[2];
            int[] polls = {0};
            rt.onGcPoint(r -> {
                if (polls[0]++ == 0) {
                    objects[0] = r.allocateObject(r.taskMethodTable());
                    objects[1] = r.allocateObject(r.taskMethodTable());
                    r.engine().writeLong(objects[0] + 24, objects[1]); // the chain head, without the barrier
                }
            });
            assertEquals("= 3", GcStressTest.describe(rt.run(spin, 3)));
            List<String> findings = checker.findings();
            assertEquals(1, findings.size(), findings.toString());
            assertTrue(findings.get(0).startsWith(String.format("Task 0x%X field +0x18 holds 0x%X, stored without a write barrier"
                    + " (found at the safepoint after Demo.Gc.Spin+0x", objects[0], objects[1])), findings.get(0));
        }
    }

    /** Every example stores its references through the barrier (the helpers' and the runtime's own stores): no finding. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void theExamplesStoreReferencesThroughTheBarrier(Architecture arch) {
        for (Path p : Emitted.examples()) {
            assertEquals(List.of(), findings(Emitted.scenario(p), arch), p.getFileName().toString());
        }
    }

    /**
     * The defect dropped-write-barrier (reference field stores made plain): gc-refs.yaml's Main stores Box a into its
     * new Pair's first field (+0x8) without the barrier; the checker names the Pair, the field, the Box and Main.
     */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void aDroppedBarrierIsFound(Architecture arch) {
        List<String> found = findings(Emitted.scenario("gc-refs.yaml"), arch, Defect.DROPPED_WRITE_BARRIER);
        assertTrue(found.size() >= 2, found.toString());
        assertTrue(found.get(0).matches("Pair 0x[0-9A-F]+ field \\+0x8 holds 0x[0-9A-F]+, stored without a write barrier \\(found at"
                + " the safepoint after \\[ASYNC\\] Demo\\.Refs\\.Main\\+0x[0-9A-F]+\\)"), found.get(0));
    }

    /** The checker's findings over every root of {@code s} (arguments 1, 2, ...). */
    private static List<String> findings(Scenario s, Architecture arch, Defect... defects) {
        R2RImage img = Emitted.read(Emitted.emit(s, arch, defects));
        ModuleMetadata md = new ModuleMetadata(s);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            WriteBarrierChecker checker = rt.checkWriteBarriers();
            for (MethodDecl m : s.rootMethods()) {
                long[] args = new long[m.params().size()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = i + 1;
                }
                rt.run(md.methodToken(m), args);
            }
            return checker.findings();
        }
    }

    private static MethodDecl method(Scenario s, String name) {
        return s.methods().filter(m -> m.fullName().equals(name)).findFirst().orElseThrow();
    }
}
