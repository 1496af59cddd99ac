package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
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

    /** The same store through the runtime's barrier is no finding; nor is anything the examples' runs store, but exceptions.yaml's. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void theExamplesStoreReferencesThroughTheBarrier(Architecture arch) {
        for (Path p : Emitted.examples()) {
            Scenario s = Emitted.scenario(p);
            R2RImage img = Emitted.read(Emitted.emit(s, arch));
            ModuleMetadata md = new ModuleMetadata(s);
            try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
                WriteBarrierChecker checker = rt.checkWriteBarriers();
                rt.onGcPoint(r -> {
                    long a = r.allocateObject(r.taskMethodTable());
                    r.engine().writeLong(a + 24, a);
                    r.writeBarrier(a + 24);
                });
                for (MethodDecl m : s.rootMethods()) {
                    long[] args = new long[m.params().size()];
                    for (int i = 0; i < args.length; i++) {
                        args[i] = i + 1;
                    }
                    rt.run(md.methodToken(m), args);
                }
                List<String> expected = new ArrayList<>();
                if (p.getFileName().toString().equals("exceptions.yaml")) {
                    // a caught exception kept across an await is copied into the continuation with a plain store
                    expected.add("AwaitInFinally");
                    expected.add("AwaitInCatch");
                    expected.add("Nested");
                }
                List<String> found = new ArrayList<>();
                for (String f : checker.findings()) {
                    found.add(f.replaceFirst(".*after \\[ASYNC\\] Demo\\.Async\\.(\\w+)\\+.*", "$1"));
                }
                assertEquals(expected, found, p.getFileName() + ": " + checker.findings());
            }
        }
    }

    private static MethodDecl method(Scenario s, String name) {
        return s.methods().filter(m -> m.fullName().equals(name)).findFirst().orElseThrow();
    }
}
