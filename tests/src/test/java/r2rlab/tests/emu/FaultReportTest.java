package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.Frame;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.runtime.ImportSectionAssertionFailure;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/** FaultReport: kind, exact PC, faulting address, registers, frames and disassembly of guest faults and runtime assertions. */
class FaultReportTest {
    static final long BAD = 0xDEAD000L;

    static R2RImage calls(Architecture arch, Defect... defects) throws Exception {
        return R2RImage.read("calls.dll", Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve("calls.yaml")),
                new EmitOptions(arch, TargetOs.WINDOWS, Set.of(defects), StubLayout.ADJACENT)));
    }

    static ImportCell cellFor(R2RImage img, String target) {
        for (ImportSection s : img.importSections()) {
            for (ImportCell c : s.cells()) {
                if (c.method() != null && c.method().name().equals(target)) {
                    return c;
                }
            }
        }
        throw new AssertionError("no cell for " + target);
    }

    static void prepareAll(EmulatedRuntime rt) {
        for (ReadyToRunMethod m : rt.image().methods()) {
            if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                assertTrue(rt.info().getEntryPoint(m.token()).isOk());
            }
        }
    }

    @Test
    void noFaultGivesNoReport() throws Exception {
        R2RImage img = calls(Architecture.X64);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            assertNull(FaultReport.capture(rt, () -> rt.call(Emitted.token(img, "Demo.Calls.Main"))));
        }
    }

    /** x64: a load from an unmapped address in the middle of Square's first block: the exact PC is not the block start. */
    @Test
    void x64ReadFaultInsideAMethod() throws Exception {
        R2RImage img = calls(Architecture.X64);
        ReadyToRunMethod square = StackWalkTest.method(img, "Demo.Calls.Square");
        long base = img.pe().imageBase();
        long faultAt = base + square.entryRva() + 8; // after push rbp; mov rbp, rsp; sub rsp, 0x30
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            prepareAll(rt);
            assertEquals("4883ec30", hex(rt.engine().memRead(faultAt - 4, 4)), "the prolog ends with sub rsp, 0x30");
            // mov rax, qword ptr [0xdead000]
            rt.engine().memWrite(faultAt, new byte[] {0x48, (byte) 0x8b, 0x04, 0x25, 0x00, (byte) 0xd0, (byte) 0xea, 0x0d});
            FaultReport r = FaultReport.capture(rt, () -> rt.call(Emitted.token(img, "Demo.Calls.Main")));
            assertNotNull(r);
            assertEquals(FaultReport.Kind.READ_UNMAPPED, r.kind());
            assertEquals(faultAt, r.pc(), r.toString());
            assertTrue(r.pcExact());
            assertEquals(base + square.entryRva(), r.blockPc(), "Unicorn reported the block start");
            assertEquals(BAD, r.faultAddress());
            assertEquals("Demo.Calls.Square", r.faultingMethod().name());
            assertEquals(0, r.faultingFrame().index());
            assertEquals(List.of("Demo.Calls.Square", "Demo.Calls.Main"), r.walk().methodNames(), r.toString());
            assertTrue(r.walk().ok(), r.toString());
            assertEquals(faultAt, r.registers().pc());
            assertEquals(faultAt, r.markedInstruction().address());
            assertEquals("mov rax, qword ptr [0xdead000]", r.markedInstruction().text());
            String text = r.toString();
            assertTrue(text.contains("READ_UNMAPPED") && text.contains("Demo.Calls.Square") && text.contains("=> 00000001")
                    && text.contains("0xDEAD000"), text);
        }
    }

    /** x64: a MethodImports cell corrupted to point at unmapped memory: fetch fault, the calling method named. */
    @Test
    void x64CorruptedCellFetchFault() throws Exception {
        R2RImage img = calls(Architecture.X64);
        long base = img.pe().imageBase();
        ImportCell twice = cellFor(img, "Demo.Calls.Twice");
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            rt.engine().writeLong(base + twice.rva(), BAD);
            FaultReport r = FaultReport.capture(rt, () -> rt.call(Emitted.token(img, "Demo.Calls.Main")));
            assertEquals(FaultReport.Kind.FETCH_UNMAPPED, r.kind());
            assertEquals(BAD, r.pc());
            assertEquals(BAD, r.faultAddress());
            assertTrue(r.pcExact());
            List<Frame> frames = r.walk().frames();
            assertTrue(frames.get(0).has(Frame.Flag.OUTSIDE_IMAGE) && frames.get(0).has(Frame.Flag.LEAF_ASSUMED), r.toString());
            assertEquals("Demo.Calls.Main", r.faultingMethod().name());
            assertEquals(1, r.faultingFrame().index());
            // the marked instruction is the call through the corrupted cell
            assertTrue(r.markedInstruction().text().startsWith("call qword ptr [rip"), r.toString());
            assertTrue(r.markedInstruction().annotation().contains("MethodEntry_DefToken Demo.Calls.Twice"), r.toString());
            assertTrue(r.toString().contains("FETCH_UNMAPPED"), r.toString());
        }
    }

    /** ARM64: the thunk's Module-cell slot corrupted: ldr x10, [x10] faults in the thunk, the caller is named. */
    @Test
    void arm64ThunkReadFault() throws Exception {
        R2RImage img = calls(Architecture.ARM64);
        long base = img.pe().imageBase();
        // Square is Main's first call, through its cell and the thunk.
        ImportCell square = cellFor(img, "Demo.Calls.Square");
        long thunk = square.value();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            prepareAll(rt);
            // movz x9, #4; ldr x10, [pc - 0xC] (the slot holding the Module cell's address); ldr x10, [x10]; ...
            byte[] w = rt.engine().memRead(thunk + 4, 4);
            int word = (w[0] & 0xFF) | (w[1] & 0xFF) << 8 | (w[2] & 0xFF) << 16 | (w[3] & 0xFF) << 24;
            assertEquals(0x58, (word >>> 24) & 0xFF, "ldr x10, literal");
            int imm19 = (word >>> 5) & 0x7FFFF;
            if ((imm19 & 0x40000) != 0) {
                imm19 -= 0x80000; // the literal is the slot before the entry, as in crossgen2's thunk
            }
            long slot = thunk + 4 + 4L * imm19;
            assertEquals(thunk - 8, slot);
            assertEquals(img.importSections().get(2).cells().get(0).rva() + base, rt.engine().readLong(slot), "the Module-cell slot");
            rt.engine().writeLong(slot, BAD);
            FaultReport r = FaultReport.capture(rt, () -> rt.call(Emitted.token(img, "Demo.Calls.Main")));
            assertEquals(FaultReport.Kind.READ_UNMAPPED, r.kind());
            assertEquals(thunk + 8, r.pc(), r.toString()); // movz x9; ldr x10, [pc-0xc]; => ldr x10, [x10]
            assertEquals(thunk, r.blockPc());
            assertEquals(BAD, r.faultAddress());
            assertEquals("ldr x10, [x10]", r.markedInstruction().text());
            assertTrue(r.walk().frames().get(0).has(Frame.Flag.THUNK), r.toString());
            assertEquals("Demo.Calls.Main", r.faultingMethod().name());
            assertTrue(r.location().startsWith("import thunk of MethodImports"), r.location());
            assertEquals(BAD, r.registers().get(10));
            assertEquals(base + square.rva(), r.registers().get(11), "x11 holds the cell");
            assertTrue(r.toString().contains("x11 = MethodImports[" + square.index() + "] MethodEntry_DefToken Demo.Calls.Square"), r.toString());
        }
    }

    /**
     * B2 with calls.yaml as it is: the only R2R call before Chain's tail jump is Chain's own call of
     * Math.Add, whose cell is in the same import section (MethodImports) as Clamp's. The stale x11 then
     * passes the assert: the worker silently resolves Math.Add's cell again (what a release runtime
     * does) and the tail jump enters Math.Add(m, 0, 1000) instead of Clamp — which happens to return the
     * same value. No fault, so no report; the trace shows the wrong resolution.
     */
    @Test
    void b2JmpEpilogWithCallsYamlResolvesTheWrongCellSilently() throws Exception {
        R2RImage img = calls(Architecture.ARM64, Defect.B2_JMP_EPILOG_X16);
        long base = img.pe().imageBase();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            RunOutcome.Completed[] result = {null};
            assertNull(FaultReport.capture(rt, () -> result[0] = rt.call(Emitted.token(img, "Demo.Calls.Main"))));
            assertEquals(new RunOutcome.Returned(171), result[0]);
            String add = String.format("cell 0x%X ", cellFor(img, "Demo.Calls+Math.Add").rva());
            String clamp = String.format("cell 0x%X ", cellFor(img, "Demo.Calls.Clamp").rva());
            List<String> resolved = rt.trace().stream().filter(e -> e.startsWith("DelayLoad_MethodCall")).toList();
            assertEquals(2, resolved.stream().filter(e -> e.contains(add)).count(), resolved.toString());
            assertEquals(0, resolved.stream().filter(e -> e.contains(clamp)).count(), resolved.toString());
            assertTrue(rt.engine().readLong(base + cellFor(img, "Demo.Calls.Clamp").rva()) == cellFor(img, "Demo.Calls.Clamp").value(),
                    "Clamp's cell still points at its thunk");
        }
    }

    /**
     * B2 with an R2R call through a cell of another section between: calls.yaml with a gcpoint before
     * Chain's tail jump (GCPoll is called through its EagerImports cell, which sets x11). The tail jump
     * enters DelayLoad_MethodCall with x11 = the GCPoll cell and x9 = 4: the worker's assert fires in the
     * trap handler, and the report carries it.
     */
    @Test
    void b2JmpEpilogAssertion() throws Exception {
        String yaml = Files.readString(Fixtures.examples().resolve("calls.yaml"));
        String tail = "          tailcall cell Demo.Calls.Clamp(m, 0, 1000)";
        assertTrue(yaml.contains(tail));
        yaml = yaml.replace(tail, "          gcpoint\n" + tail);
        R2RImage img = R2RImage.read("calls-gc.dll", Emitter.emit(ScenarioParser.parse("calls-gc.yaml", yaml),
                new EmitOptions(Architecture.ARM64, TargetOs.WINDOWS, Set.of(Defect.B2_JMP_EPILOG_X16), StubLayout.ADJACENT)));
        long base = img.pe().imageBase();
        ImportCell gcPoll = img.importSections().get(2).cells().stream()
                .filter(c -> FixupSignature.Helper.of(ReadyToRunHelper.GCPoll.id).equals(c.signature())).findFirst().orElseThrow();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            FaultReport r = FaultReport.capture(rt, () -> rt.call(Emitted.token(img, "Demo.Calls.Main")));
            assertNotNull(r);
            assertEquals(FaultReport.Kind.RUNTIME_ASSERTION, r.kind(), r.toString());
            assertTrue(r.cause() instanceof ImportSectionAssertionFailure, String.valueOf(r.cause()));
            ImportSectionAssertionFailure f = (ImportSectionAssertionFailure) r.cause();
            assertEquals(4, f.namedSection());
            assertEquals(2, f.actualSection());
            assertEquals(gcPoll.rva(), f.cellRva());
            String text = r.toString();
            assertTrue(text.contains(f.getMessage()), text);
            assertTrue(text.contains(ImportSectionAssertionFailure.EXPRESSION), text);
            assertTrue(text.contains("RUNTIME_ASSERTION"), text);
            // The PC is the guest instruction that led to the helper: Chain's epilog already popped its frame and jumped,
            // so that is Main's call of Chain, through Chain's MethodEntry cell (blr x16; the helper returns after it).
            assertEquals(0xD63F0200, rt.engine().readInt(r.pc()), "blr x16 at " + r.location());
            assertEquals(r.pc() + 4, r.registers().get(30));
            assertTrue(r.location().startsWith("Demo.Calls.Main+0x"), r.location());
            // x11 still names the GCPoll cell, not Clamp's
            assertEquals(base + gcPoll.rva(), r.registers().get(11));
            assertEquals(4, r.registers().get(9));
            assertEquals(base + gcPoll.rva(), r.faultAddress());
            assertTrue(text.contains("x11 = EagerImports[" + gcPoll.index() + "] Helper GCPoll"), text);
            assertEquals(List.of("Demo.Calls.Main"), r.walk().methodNames(), text);
            assertEquals("Demo.Calls.Main", r.faultingMethod().name());
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }
}
