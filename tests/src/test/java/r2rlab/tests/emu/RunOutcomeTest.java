package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.loader.R2RImage;
import r2rlab.loader.runtime.Rejection;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/** {@link EmulatedRuntime#run}: every run of an example ends in the one outcome that fits; input it cannot run is refused before. */
class RunOutcomeTest {
    static R2RImage example(String name, Architecture arch) throws Exception {
        return R2RImage.read(name, Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve(name)), EmitOptions.of(arch)));
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void returned(Architecture arch) throws Exception {
        R2RImage calls = example("calls.yaml", arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(calls)) {
            assertEquals(new RunOutcome.Returned(171), rt.run(Emitted.token(calls, "Demo.Calls.Main")));
        }
        // An async method runs through the dispatcher and returns its Task's value.
        R2RImage nested = example("async-nested.yaml", arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(nested)) {
            assertEquals(new RunOutcome.Returned(208), rt.run(Emitted.token(nested, "Demo.Nested.A"), 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void threw(Architecture arch) throws Exception {
        R2RImage calls = example("calls.yaml", arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(calls)) {
            // Check throws -1 for a negative total.
            RunOutcome.Threw t = assertInstanceOf(RunOutcome.Threw.class, rt.run(Emitted.token(calls, "Demo.Calls.Check"), -5));
            assertEquals(-1, t.code());
            assertEquals("Throw", t.helper());
        }
        // Fail throws 5 after a resumption; the Task of Caller faults with it.
        R2RImage exceptions = example("async-exception.yaml", arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(exceptions)) {
            RunOutcome.Threw t = assertInstanceOf(RunOutcome.Threw.class, rt.run(Emitted.token(exceptions, "Demo.Faults.Caller")));
            assertEquals(5, t.code());
            assertEquals("Throw", t.helper());
        }
    }

    /** Square's first instruction replaced by a load from unmapped memory: the run of Main faults there. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void faulted(Architecture arch) throws Exception {
        R2RImage calls = example("calls.yaml", arch);
        long square = calls.pe().imageBase() + StackWalkTest.method(calls, "Demo.Calls.Square").entryRva();
        try (EmulatedRuntime rt = new EmulatedRuntime(calls)) {
            long bad;
            if (arch == Architecture.X64) {
                bad = 0xDEAD000L; // mov rax, qword ptr [0xdead000]
                rt.engine().memWrite(square, new byte[] {0x48, (byte) 0x8b, 0x04, 0x25, 0x00, (byte) 0xd0, (byte) 0xea, 0x0d});
            } else {
                bad = 0xDEAD0000L; // movz x2, #0xdead, lsl #16; ldr x1, [x2]
                rt.engine().writeWords(square, 0xd2bbd5a2, 0xf9400041);
            }
            RunOutcome.Faulted f = assertInstanceOf(RunOutcome.Faulted.class, rt.run(Emitted.token(calls, "Demo.Calls.Main")));
            FaultReport report = f.report();
            assertEquals(FaultReport.Kind.READ_UNMAPPED, report.kind(), report.toString());
            assertEquals(bad, report.faultAddress());
            assertEquals(arch == Architecture.X64 ? square : square + 4, report.pc(), report.toString());
            assertEquals("Demo.Calls.Square", report.faultingMethod().name());
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void inputThatCannotRunIsRefusedBeforeTheRun(Architecture arch) throws Exception {
        R2RImage calls = example("calls.yaml", arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(calls)) {
            RunRejectedException none = assertThrows(RunRejectedException.class, () -> rt.run(0x06000099));
            assertEquals(RunRejectedException.Reason.NO_USABLE_CODE, none.reason());
            assertEquals(Rejection.Reason.NOT_PRECOMPILED, none.rejection().reason());
            assertEquals("method 0x06000099 has no R2R code to run: no MethodDefEntryPoints entry for token 0x06000099", none.getMessage());
            RunRejectedException few = assertThrows(RunRejectedException.class,
                    () -> rt.run(Emitted.token(calls, "Demo.Calls.Clamp"), 1));
            assertEquals(RunRejectedException.Reason.WRONG_ARGUMENT_COUNT, few.reason());
            assertEquals("Demo.Calls.Clamp (0x06000005) takes 3 arguments, not 1", few.getMessage());
            assertNull(few.rejection());
            RunRejectedException many = assertThrows(RunRejectedException.class,
                    () -> rt.run(Emitted.token(calls, "Demo.Calls.Clamp"), new long[257]));
            assertEquals(RunRejectedException.Reason.TOO_MANY_ARGUMENTS, many.reason());
            assertEquals("257 arguments; the emulated calls pass at most 256", many.getMessage());
            // Refused runs leave the runtime usable.
            assertEquals(new RunOutcome.Returned(171), rt.run(Emitted.token(calls, "Demo.Calls.Main")));
        }
    }
}
