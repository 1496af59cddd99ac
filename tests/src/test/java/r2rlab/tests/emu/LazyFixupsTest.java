package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.FixupsNotRunException;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/**
 * A method's fixup list runs when the runtime would run it: when the prestub looks its entry point up (the run's
 * entry) or when the delay-load helper resolves a cell that leads to it, never all at once before the first run;
 * a resumption stub is registered when its ResumptionStubEntryPoint fixup is resolved.
 */
class LazyFixupsTest {
    static R2RImage nested(Architecture arch, Defect... defects) throws Exception {
        return R2RImage.read("nested.dll", Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve("async-nested.yaml")),
                EmitOptions.of(arch).withDefects(Set.of(defects))));
    }

    static ReadyToRunMethod variant(R2RImage img, String name) {
        return img.methods().stream().filter(m -> m.name().equals(name) && m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS)
                .findFirst().orElseThrow();
    }

    static ResumptionStub stubOf(R2RImage img, String owner) {
        return img.resumptionStubs().stream().filter(s -> s.owner().name().equals(owner)).findFirst().orElseThrow();
    }

    /** The ContinuationLayout cell in a method's fixup list. */
    static ImportCell layoutCell(R2RImage img, ReadyToRunMethod m) {
        for (FixupCell f : m.fixups()) {
            ImportCell c = img.importSections().get(f.importSection()).cells().get(f.slot());
            if (c.signature().kind() == ReadyToRunFixupKind.ContinuationLayout) {
                return c;
            }
        }
        throw new AssertionError(m.name() + " has no ContinuationLayout fixup");
    }

    static int indexOf(List<String> trace, String prefix) {
        for (int i = 0; i < trace.size(); i++) {
            if (trace.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void fixupsRunWhenTheRuntimeFirstReachesTheMethod(Architecture arch) throws Exception {
        R2RImage img = nested(arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // Loaded: only the eager cells are resolved; no entry point is looked up, no stub registered.
            assertTrue(rt.info().entryPointMap().isEmpty(), rt.info().entryPointMap().toString());
            for (String m : List.of("Demo.Nested.A", "Demo.Nested.B", "Demo.Nested.C")) {
                ImportCell layout = layoutCell(img, variant(img, m));
                assertFalse(rt.info().isCellResolved(layout.section(), layout.index()), m);
                assertNull(rt.info().methodDescForEntryPoint(stubOf(img, m).rva()), m);
            }
            // B(10) = C(10) + 10: B's Task-returning method, then B's variant through its cell, then C's through B's cell.
            assertEquals(new RunOutcome.Returned(120), rt.run(Emitted.token(img, "Demo.Nested.B"), 10));
            for (String m : List.of("Demo.Nested.B", "Demo.Nested.C")) {
                ImportCell layout = layoutCell(img, variant(img, m));
                assertTrue(rt.info().isCellResolved(layout.section(), layout.index()), m);
                assertNotNull(rt.info().methodDescForEntryPoint(stubOf(img, m).rva()), m);
                assertNotNull(rt.info().methodDescForEntryPoint(variant(img, m).entryRva()), m);
            }
            // A was never reached: its fixups have not run, its stub is not registered.
            ImportCell aLayout = layoutCell(img, variant(img, "Demo.Nested.A"));
            assertFalse(rt.info().isCellResolved(aLayout.section(), aLayout.index()));
            assertNull(rt.info().methodDescForEntryPoint(stubOf(img, "Demo.Nested.A").rva()));
            assertNull(rt.info().methodDescForEntryPoint(variant(img, "Demo.Nested.A").entryRva()));
            // Timing: B's stub is registered before B's variant runs (its CaptureContexts), C's only after that,
            // when B's call resolves C's cell, and before C suspends.
            List<String> trace = rt.trace();
            int bStub = indexOf(trace, "resumption stub MethodDesc allocated: Demo.Nested.B$ResumptionStub");
            int bRuns = indexOf(trace, "CaptureContexts");
            int cStub = indexOf(trace, "resumption stub MethodDesc allocated: Demo.Nested.C$ResumptionStub");
            int cSuspends = indexOf(trace, "Yield suspends");
            assertTrue(bStub >= 0 && bStub < bRuns && bRuns < cStub && cStub < cSuspends, String.join("\n", trace));
        }
    }

    /**
     * With direct-calls, A awaits B past B's prestub: B's variant runs with its fixups not run. B awaits C (through
     * a cell, so C is prepared), C suspends, and B's suspension finds its ContinuationLayout cell empty and its stub
     * unregistered: the run ends there with both named.
     */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void directCalls_enterAVariantWhoseFixupsHaveNotRun(Architecture arch) throws Exception {
        R2RImage img = nested(arch, Defect.DIRECT_CALLS);
        ReadyToRunMethod b = variant(img, "Demo.Nested.B");
        ImportCell bLayout = layoutCell(img, b);
        long bStub = stubOf(img, "Demo.Nested.B").rva();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            RunOutcome.Faulted f = assertInstanceOf(RunOutcome.Faulted.class, rt.run(Emitted.token(img, "Demo.Nested.A"), 1));
            assertEquals(FaultReport.Kind.RUNTIME_ERROR, f.report().kind());
            assertInstanceOf(FixupsNotRunException.class, f.report().cause());
            String message = f.report().message();
            assertTrue(message.startsWith("AllocContinuation got a null MethodTable in [ASYNC] Demo.Nested.B at RVA 0x"), message);
            assertTrue(message.contains(String.format(": its ContinuationLayout cell ImportSection %d[%d] is unresolved, its resumption stub at"
                    + " RVA 0x%X is not registered; the method's fixups have not run", bLayout.section(), bLayout.index(), bStub)), message);
            assertEquals(0, rt.engine().readLong(img.pe().imageBase() + bLayout.rva()), "the cell holds no MethodTable");
            assertNull(rt.info().methodDescForEntryPoint(bStub));
            // C, reached through its cell, was prepared as usual.
            assertNotNull(rt.info().methodDescForEntryPoint(stubOf(img, "Demo.Nested.C").rva()));
        }
        // The same run without the switch completes: A(1) = 208.
        R2RImage fixed = nested(arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(fixed)) {
            assertEquals(new RunOutcome.Returned(208), rt.run(Emitted.token(fixed, "Demo.Nested.A"), 1));
        }
    }
}
