package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.arm64.UnwindCode;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.format.unwind.x64.UnwindOp;
import r2rlab.format.unwind.x64.X64UnwindInfo;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.Frame;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.StackWalker;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.EntryPoint;
import r2rlab.loader.runtime.MethodDesc;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/** StackWalker at GC-safe points: frames unwound with the image's unwind data and attributed through the code manager. */
class StackWalkTest {

    static ReadyToRunMethod method(R2RImage img, String name) {
        return img.methods().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    /** Main calls A, A calls B, B has a gcpoint; Big has a 100-slot frame and calls B too (through cells; directly with direct-calls). */
    static String chainScenario() {
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            big.append("          var v").append(i).append(" = x + ").append(i).append('\n');
        }
        big.append("          var r = call Demo.Walk.B(v99)\n");
        big.append("          return r + v0 + v50\n");
        return """
                module: WalkDemo
                types:
                  - name: Demo.Walk
                    methods:
                      - name: Main
                        returns: int
                        body: |
                          return call cell Demo.Walk.A(5)
                      - name: MainBig
                        returns: int
                        body: |
                          return call cell Demo.Walk.Big(1)
                      - name: A
                        params: [x]
                        returns: int
                        body: |
                          var r = call Demo.Walk.B(x)
                          return r + 1
                      - name: B
                        params: [x]
                        returns: int
                        body: |
                          gcpoint
                          return x * 2
                      - name: Big
                        params: [x]
                        returns: int
                        body: |
                """ + big;
    }

    static R2RImage emit(String yaml, Architecture arch) {
        Scenario s = ScenarioParser.parse("walk.yaml", yaml);
        return R2RImage.read("walk.dll", Emitter.emit(s, EmitOptions.of(arch)));
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void walkAtGcPointAttributesEveryFrame(Architecture arch) {
        R2RImage img = emit(chainScenario(), arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            List<StackWalker.Walk> walks = new ArrayList<>();
            rt.onGcPoint(r -> walks.add(StackWalker.atGcPoint(r)));
            // Every call goes through a cell; the delay-load helper looks each callee's entry point up
            // (GetEntryPoint registers entry -> MethodDesc) before the callee runs, so every frame is attributed.
            assertEquals(new RunOutcome.Returned(11), rt.call(Emitted.token(img, "Demo.Walk.Main")));
            assertEquals(1, walks.size());
            StackWalker.Walk w = walks.get(0);
            assertTrue(w.ok(), w.toString());
            assertEquals(List.of("Demo.Walk.B", "Demo.Walk.A", "Demo.Walk.Main"), w.methodNames(), w.toString());
            assertEquals(StackWalker.EXIT_TRAP, w.terminal());
            long base = img.pe().imageBase();
            for (Frame f : w.frames()) {
                ReadyToRunMethod m = method(img, f.methodName());
                assertTrue(f.rva() > m.entryRva() && f.ip() == base + f.rva(), f.toString());
                assertNotNull(f.runtimeFunction());
                assertEquals(m.entryRuntimeFunction(), f.runtimeFunction().index());
                assertEquals(m.name(), f.imageMethod().name());
                assertTrue(f.flags().isEmpty(), f.toString());
            }
            // stack pointers grow outwards
            assertTrue(w.frames().get(0).sp() < w.frames().get(1).sp() && w.frames().get(1).sp() < w.frames().get(2).sp());
            // frame 0's IP is the return address of B's GCPoll call through its cell
            long ret = w.frames().get(0).rva();
            if (arch == Architecture.X64) {
                long call = img.pe().rvaToOffset("code", ret - 6, 6);
                assertEquals(List.of(0xFF, 0x15), List.of(img.pe().file().u8("code", call), img.pe().file().u8("code", call + 1)),
                        "call qword ptr [rip+disp32] before the return address");
            } else {
                assertEquals(0xD63F0200L, img.pe().file().u32("code", img.pe().rvaToOffset("code", ret - 4, 4)), "blr x16 before the return address");
            }
        }
    }

    /**
     * With direct-calls, A calls B past B's prestub: nothing looks B's entry point up, so the code manager finds no
     * MethodDesc at B's start and attributes B's frame to A, the nearest registered entry point before it.
     */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void directCallsLeaveTheCalleeUnregistered_itsFrameIsMisattributed(Architecture arch) {
        Scenario s = ScenarioParser.parse("walk.yaml", chainScenario());
        R2RImage img = R2RImage.read("walk.dll", Emitter.emit(s, EmitOptions.of(arch).withDefects(Set.of(Defect.DIRECT_CALLS))));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            List<StackWalker.Walk> walks = new ArrayList<>();
            rt.onGcPoint(r -> walks.add(StackWalker.atGcPoint(r)));
            assertEquals(new RunOutcome.Returned(11), rt.call(Emitted.token(img, "Demo.Walk.Main")));
            StackWalker.Walk w = walks.get(0);
            assertEquals(List.of("Demo.Walk.A", "Demo.Walk.A", "Demo.Walk.Main"), w.methodNames(), w.toString());
            assertTrue(w.frames().get(0).has(Frame.Flag.MISATTRIBUTED), w.toString());
            assertEquals("Demo.Walk.B", w.frames().get(0).imageMethod().name(), "the image lists B there");
            assertNull(rt.info().methodDescForEntryPoint(method(img, "Demo.Walk.B").entryRva()), "B's entry point was never looked up");
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void largeFrameUnwindsWithItsUnwindData(Architecture arch) {
        R2RImage img = emit(chainScenario(), arch);
        ReadyToRunMethod big = method(img, "Demo.Walk.Big");
        RuntimeFunction rf = img.runtimeFunctions().get(big.entryRuntimeFunction());
        byte[] file = img.pe().file().bytes("all", 0, (int) img.pe().file().length());
        int unwindOff = (int) img.pe().rvaToOffset("unwind", rf.unwindRva(), 4);
        int frameBytes;
        if (arch == Architecture.X64) {
            X64UnwindInfo ui = X64UnwindInfo.decode(file, unwindOff);
            // push rbp; mov rbp, rsp; sub rsp, N with N > 128: an ALLOC_LARGE code
            assertTrue(ui.codes().stream().anyMatch(c -> c.op() == UnwindOp.UWOP_ALLOC_LARGE), ui.toString());
            frameBytes = ui.codes().stream().filter(c -> c.op() == UnwindOp.UWOP_ALLOC_LARGE).mapToInt(c -> c.size()).sum();
        } else {
            Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(file, unwindOff);
            // a frame above 512 bytes: alloc, save_fplr_x(-16), set_fp
            List<UnwindCode> prolog = d.prologCodes();
            assertTrue(prolog.stream().anyMatch(c -> c.op() == UnwindCode.Op.SAVE_FPLR_X && c.offset() == -16), prolog.toString());
            frameBytes = prolog.stream().filter(c -> c.op() == UnwindCode.Op.ALLOC_S || c.op() == UnwindCode.Op.ALLOC_M)
                    .mapToInt(UnwindCode::offset).sum() + 16;
        }
        assertTrue(frameBytes >= 800, "frame of 100 slots: " + frameBytes);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            List<StackWalker.Walk> walks = new ArrayList<>();
            rt.onGcPoint(r -> walks.add(StackWalker.atGcPoint(r)));
            assertTrue(rt.info().getEntryPoint(Emitted.token(img, "Demo.Walk.B")).isOk());
            assertEquals(new RunOutcome.Returned(2 * 100 + 1 + 51), rt.call(Emitted.token(img, "Demo.Walk.MainBig")));
            StackWalker.Walk w = walks.get(0);
            assertTrue(w.ok(), w.toString());
            assertEquals(List.of("Demo.Walk.B", "Demo.Walk.Big", "Demo.Walk.MainBig"), w.methodNames(), w.toString());
            // Big's frame (from its SP to the caller's SP) spans at least its unwind-described allocation
            assertTrue(w.frames().get(2).sp() - w.frames().get(1).sp() >= frameBytes, w.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void unregisteredStubIsMisattributedAndFlagged(Architecture arch) throws Exception {
        Scenario s = ScenarioParser.parse(Fixtures.examples().resolve("async-basic.yaml"));
        R2RImage img = R2RImage.read("async.dll", Emitter.emit(s, EmitOptions.of(arch)));
        ResumptionStub stub = img.resumptionStubs().stream().filter(x -> x.owner().name().equals("Demo.Program.Main")).findFirst().orElseThrow();
        ReadyToRunMethod stubMethod = img.methods().stream().filter(m -> m.entryRva() == stub.rva()).findFirst().orElseThrow();
        ReadyToRunMethod variant = stub.owner();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            long base = img.pe().imageBase();
            long inside = base + stub.rva() + 8;
            // Register the Task-returning methods first: the stub is not registered yet.
            for (ReadyToRunMethod m : img.methods()) {
                if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                    assertTrue(rt.info().getEntryPoint(m.token()).isOk());
                }
            }
            assertNull(rt.info().methodDescForEntryPoint(stub.rva()));
            MethodDesc before = rt.info().jitManager().methodForCodeAddress(stub.rva() + 8);
            assertNotNull(before, "the code manager walks back to an earlier registered method");
            assertFalse(before.isResumptionStub());
            Frame fb = StackWalker.symbolize(rt, inside);
            assertEquals(before, fb.method());
            assertTrue(fb.has(Frame.Flag.MISATTRIBUTED), fb.toString());
            assertTrue(fb.has(Frame.Flag.FUNCLET), fb.toString());
            assertEquals(stubMethod.name(), fb.imageMethod().name());
            assertTrue(fb.note().contains("not registered"), fb.note());
            assertTrue(fb.isProblem());

            // getAsyncVariantEntryPoint runs the variant's fixup list, whose 0x38 cell registers the stub.
            EntryPoint ep = rt.info().getAsyncVariantEntryPoint(variant.token());
            assertTrue(ep.isOk(), () -> ep.rejection().message());
            MethodDesc after = rt.info().jitManager().methodForCodeAddress(stub.rva() + 8);
            assertTrue(after.isResumptionStub(), String.valueOf(after));
            assertNotEquals(before, after);
            Frame fa = StackWalker.symbolize(rt, inside);
            assertEquals(after, fa.method());
            assertFalse(fa.isProblem(), fa.toString());
            assertTrue(fa.flags().isEmpty(), fa.toString());
        }
    }

    @Test
    void ipInNoMethodIsAStructuredError() {
        R2RImage img = emit(chainScenario(), Architecture.X64);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // nothing registered yet: the code manager knows no method for B's code
            ReadyToRunMethod b = method(img, "Demo.Walk.B");
            Frame f = StackWalker.symbolize(rt, img.pe().imageBase() + b.entryRva() + 4);
            assertNull(f.method());
            assertTrue(f.has(Frame.Flag.NO_METHOD), f.toString());
            assertEquals("Demo.Walk.B", f.imageMethod().name());
        }
    }
}
