package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.StackWalker;
import r2rlab.format.ByteReader;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.CodeInfo;
import r2rlab.loader.runtime.RuntimeOptions;

/**
 * Defect B4 splits an async variant with EH as the JIT splits such a method (hot-cold-splitting.md): the cold main part,
 * then every funclet, in the cold section; one HotColdMap pair per method, the cold funclets its own by range; handler
 * offsets at the hot size plus the distance into the cold section. examples/exceptions.yaml's CatchAroundAwait holds a
 * catch around an await whose callee throws after its resumption.
 */
class HotColdFuncletTest {
    private static final String VARIANT = "Demo.Async.CatchAroundAwait";

    private static R2RImage image(Architecture arch, Defect... defects) {
        return Emitted.read(Emitted.emit(Emitted.scenario("exceptions.yaml"), arch, defects));
    }

    private static ReadyToRunMethod variant(R2RImage img) {
        return img.methods().stream().filter(m -> m.name().equals(VARIANT) && m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
    }


    /** The HotColdMap's pairs {cold, hot} as its bytes hold them. */
    private static List<List<Long>> hotColdPairs(R2RImage img) {
        var section = img.header().section(ReadyToRunSectionType.HotColdMap.id);
        ByteReader file = img.pe().file();
        long at = img.pe().rvaToOffset("HotColdMap", section.rva(), section.size());
        List<List<Long>> out = new ArrayList<>();
        for (long i = 0; i < section.size(); i += 8) {
            out.add(List.of(file.u32("cold", at + i), file.u32("hot", at + i + 4)));
        }
        return out;
    }

    @Test
    void x64_theCatchFuncletFollowsTheColdMainPartAndIsFoundThroughTheMapByRange() {
        checkLayout(Architecture.X64, 0x17D0, 0x18C0, 0x1F90, 0x206A, 0x207E, 0x1CA, "sub", "rsp, 0x28");
    }

    @Test
    void arm64_theCatchFuncletFollowsTheColdMainPartAndIsFoundThroughTheMapByRange() {
        checkLayout(Architecture.ARM64, 0x1A10, 0x1B20, 0x2280, 0x239C, 0x23B4, 0x22C, "stp", "x29, x30, [sp, #-0x10]!");
    }

    private void checkLayout(Architecture arch, long hotStart, long hotEnd, long coldStart, long funclet, long funcletEnd, long handlerOffset,
                             String mnemonic, String operands) {
        R2RImage img = image(arch, Defect.B4_HOT_COLD_SPLIT);
        ReadyToRunMethod v = variant(img);
        // Runtime functions: the methods and their hot funclets (0-29), the variants and their stubs; after every hot body
        // the cold sections: CatchAroundAwait's cold main part (39), then its catch funclet (40), then AwaitInFinally's (41).
        assertEquals(List.of(30, 39, 40), v.runtimeFunctions());
        List<RuntimeFunction> rfs = img.runtimeFunctions();
        assertEquals(List.of(hotStart, hotEnd), List.of(rfs.get(30).beginRva(), rfs.get(30).endRva()));
        assertEquals(coldStart, rfs.get(39).beginRva());
        assertEquals(List.of(funclet, funcletEnd), List.of(rfs.get(40).beginRva(), rfs.get(40).endRva()));
        assertEquals(funclet, rfs.get(39).endRva(), "the funclet follows the cold main part without padding");
        // One pair per split method (Fail, CatchAroundAwait, AwaitInFinally, AwaitInCatch, Nested); none names the funclet.
        assertEquals(List.of(List.of(38L, 28L), List.of(39L, 30L), List.of(41L, 32L), List.of(44L, 34L), List.of(46L, 36L)), hotColdPairs(img));
        // The clause's handler: hot size plus the distance into the cold section.
        ExceptionClause c = img.exceptionClauses(v.entryRva()).get(0);
        assertTrue(c.isCatch());
        assertEquals(handlerOffset, c.handlerStartPc());
        assertEquals((hotEnd - hotStart) + (funclet - coldStart), handlerOffset);
        assertEquals(funclet, img.methodOffsetToRva(30, handlerOffset));
        assertEquals(handlerOffset, img.methodOffsetOf(30, funclet));
        assertEquals(funcletEnd - funclet, c.handlerEndPc() - c.handlerStartPc());
        // x64: the cold main part's UNWIND_INFO (Version 1, Flags CHAININFO, no prolog, no codes) chains to the hot part's
        // RUNTIME_FUNCTION; the funclet's has EHANDLER|UHANDLER and codes of its own (ALLOC_SMALL).
        if (arch == Architecture.X64) {
            ByteReader file = img.pe().file();
            long cold = img.pe().rvaToOffset("cold", rfs.get(39).unwindRva(), 16);
            assertEquals(List.of(0x21L, 0L, 0L, 0L), List.of((long) file.u8("u", cold), (long) file.u8("u", cold + 1), (long) file.u8("u", cold + 2),
                    (long) file.u8("u", cold + 3)));
            assertEquals(List.of(hotStart, hotEnd, rfs.get(30).unwindRva()), List.of(file.u32("u", cold + 4), file.u32("u", cold + 8),
                    file.u32("u", cold + 12)));
            long f = img.pe().rvaToOffset("funclet", rfs.get(40).unwindRva(), 4);
            assertEquals(List.of(0x19L, 4L, 1L), List.of((long) file.u8("u", f), (long) file.u8("u", f + 1), (long) file.u8("u", f + 2)));
        }
        // Capstone: the funclet's prolog is the code at that RVA.
        try (Disassembler d = new Disassembler(arch == Architecture.ARM64)) {
            var first = d.disassemble(Emitted.code(img, rfs.get(40)), funclet).get(0);
            assertEquals(List.of(mnemonic, operands), List.of(first.mnemonic(), first.operands()));
        }

        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // The runtime that reads the map: the catch runs from the cold section.
            assertEquals(new RunOutcome.Returned(106), rt.run(Emitted.token(img, VARIANT)));
            CodeInfo ci = rt.info().jitManager().jitCodeToMethodInfo(funclet);
            assertEquals(List.of(VARIANT, 40, 30, true, true), List.of(ci.method().name(), ci.runtimeFunction(), ci.hotRuntimeFunction(),
                    ci.cold(), ci.funclet()));
            CodeInfo coldMain = rt.info().jitManager().jitCodeToMethodInfo(coldStart);
            assertEquals(List.of(VARIANT, true, false), List.of(coldMain.method().name(), coldMain.cold(), coldMain.funclet()));
            assertEquals("[ASYNC] " + VARIANT + " [catch]", StackWalker.symbolize(rt, rt.imageBase() + funclet).symbol());
            // Without the map the same address walks back past the cold main part to the last registered entry before it,
            // CatchAroundAwait's resumption stub (31), and is called a funclet of it.
            rt.info().setOptions(RuntimeOptions.DEFAULT.withHotColdMap(false));
            CodeInfo wrong = rt.info().jitManager().jitCodeToMethodInfo(funclet);
            assertEquals(List.of(VARIANT + "$ResumptionStub", 31, false, true), List.of(wrong.method().name(), wrong.methodStartRuntimeFunction(),
                    wrong.cold(), wrong.funclet()));
        }
    }

    @Test
    void withoutTheMap_theHandlerIsSoughtInAnotherMethodAndTheDispatchStops_unsplitTheCatchRuns() {
        Object[][] cases = {
            {Architecture.X64, 0x1CAL, 0x140001000L + 0x99A, "[ASYNC] Demo.Async.AwaitInFinally+0xAA"},
            {Architecture.ARM64, 0x22CL, 0x140001000L + 0xC3C, "[ASYNC] Demo.Async.AwaitInFinally+0xEC"},
        };
        for (Object[] k : cases) {
            Architecture arch = (Architecture) k[0];
            R2RImage img = image(arch, Defect.B4_HOT_COLD_SPLIT);
            long start = variant(img).entryRva();
            long landing = (Long) k[2];
            // entry + offset, as a runtime that takes async code to be never split computes the handler
            assertEquals(landing, img.pe().imageBase() + start + (Long) k[1]);
            try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
                rt.info().setOptions(RuntimeOptions.DEFAULT.withHotColdMap(false));
                RunOutcome r = rt.run(Emitted.token(img, VARIANT));
                assertInstanceOf(RunOutcome.Faulted.class, r, r.toString());
                assertEquals(String.format("exception 6: frame #0: the handler %s [catch] at offset 0x%X is at 0x%X (%s), which the code"
                        + " manager attributes to %s$ResumptionStub as a funclet, not a funclet of %s: the handler cannot be called", VARIANT, k[1],
                        landing, k[3], VARIANT, VARIANT), ((RunOutcome.Faulted) r).report().message());
            }
            R2RImage unsplit = image(arch);
            assertTrue(unsplit.coldToHot().isEmpty());
            assertFalse(variant(unsplit).runtimeFunctions().isEmpty());
            try (EmulatedRuntime rt = new EmulatedRuntime(unsplit)) {
                rt.info().setOptions(RuntimeOptions.DEFAULT.withHotColdMap(false));
                assertEquals(new RunOutcome.Returned(106), rt.run(Emitted.token(unsplit, VARIANT)));
            }
        }
    }
}
