package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The helper and CoreLib calls of an async variant's entry, suspension, resumption and return paths, read with
 * Capstone: ZipFile's OpenAsync [ASYNC] (0x6F80, the sequence docs/emulator.md lists with its RVAs) and the
 * emitted variants, which make the same calls in the same order.
 */
class SuspensionSequenceTest {
    /** The calls that make up the protocol (the others are the method's own work). */
    static final Set<String> PROTOCOL = Set.of("AllocContinuation", "WriteBarrier", "ThrowExact", "AsyncHelpers.CaptureContexts",
            "AsyncHelpers.RestoreContexts", "AsyncHelpers.RestoreContextsOnSuspension", "AsyncHelpers.CaptureExecutionContext",
            "AsyncHelpers.RestoreExecutionContext");

    static List<String> protocolCalls(R2RImage img, boolean arm64, long from, long to) {
        try (Disassembler d = new Disassembler(arm64)) {
            return new CallSequence(img).calls(d, arm64, from, to).stream().filter(PROTOCOL::contains).toList();
        }
    }

    @Test
    void zipFileOpenAsync_theRealSequence() throws Exception {
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        // Entry and fresh path: CaptureContexts(&ec, &sc) at 0x6FB5.
        assertEquals(List.of("AsyncHelpers.CaptureContexts"), protocolCalls(zip, false, 0x6F80, 0x6FBB));
        // Normal return at 0x706B: RestoreContexts(resumed, ec, sc).
        assertEquals(List.of("AsyncHelpers.RestoreContexts"), protocolCalls(zip, false, 0x706B, 0x7092));
        // Suspension, state 0 (0x70A0): AllocContinuation(prev, MT); ResumeInfo; Flags|State; the live stream local
        // (a reference) through WriteBarrier; CaptureExecutionContext into its slot through WriteBarrier;
        // RestoreContextsOnSuspension(resumed, ec, sc).
        assertEquals(List.of("AllocContinuation", "WriteBarrier", "AsyncHelpers.CaptureExecutionContext", "WriteBarrier",
                "AsyncHelpers.RestoreContextsOnSuspension"), protocolCalls(zip, false, 0x70A0, 0x70FF));
        // Suspension, state 1 (0x70FF), reached after a resumption: the incoming continuation is reused (prev.Next = it,
        // through WriteBarrier) when there is one, else allocated; then as above.
        assertEquals(List.of("WriteBarrier", "AllocContinuation", "WriteBarrier", "AsyncHelpers.CaptureExecutionContext", "WriteBarrier",
                "AsyncHelpers.RestoreContextsOnSuspension"), protocolCalls(zip, false, 0x70FF, 0x7182));
        // Resumption, state 0 (0x7182): RestoreExecutionContext(the saved EC) first; the exception slot is read and
        // cleared, and a non-null one goes to ThrowExact at 0x700B.
        assertEquals(List.of("AsyncHelpers.RestoreExecutionContext"), protocolCalls(zip, false, 0x7182, 0x71BE));
        assertEquals(List.of("ThrowExact"), protocolCalls(zip, false, 0x700B, 0x7015));
    }

    static ReadyToRunMethod variant(R2RImage img, String name) {
        return img.methods().stream().filter(m -> m.name().equals(name) && m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
    }

    @Test
    void emittedVariants_theSameSequence() {
        for (Architecture arch : Architecture.values()) {
            boolean arm64 = arch == Architecture.ARM64;
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), arch));
            RuntimeFunction rf = img.runtimeFunctions().get(variant(img, "Demo.Program.Compute").entryRuntimeFunction());
            // In code order: entry (CaptureContexts), return (RestoreContexts), the one suspension (the reuse path's
            // WriteBarrier, then AllocContinuation, CaptureExecutionContext, its WriteBarrier, RestoreContextsOnSuspension:
            // ZipFile's state 1 without the WriteBarrier of a live reference, as every local here is an integer), the
            // resumption (RestoreExecutionContext, then ThrowExact on the exception path).
            assertEquals(List.of("AsyncHelpers.CaptureContexts", "AsyncHelpers.RestoreContexts", "WriteBarrier", "AllocContinuation",
                    "AsyncHelpers.CaptureExecutionContext", "WriteBarrier", "AsyncHelpers.RestoreContextsOnSuspension",
                    "AsyncHelpers.RestoreExecutionContext", "ThrowExact"), protocolCalls(img, arm64, rf.beginRva(), rf.endRva()), arch.toString());
        }
    }

    /** x64: the argument set-up around the calls is the real one, instruction for instruction where it can be. */
    @Test
    void x64_theArgumentsOfTheProtocolCalls() {
        R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64));
        RuntimeFunction rf = img.runtimeFunctions().get(variant(img, "Demo.Program.Compute").entryRuntimeFunction());
        try (Disassembler d = new Disassembler(false)) {
            List<String> code = d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva()).stream()
                    .map(i -> i.mnemonic() + " " + i.operands()).toList();
            // "resumed" = (incoming continuation != null), recomputed from its home slot before each restore (0x706B: cmp; setne; movzx).
            int restores = 0;
            for (int i = 0; i < code.size(); i++) {
                if (code.get(i).startsWith("setne cl")) {
                    assertEquals("cmp qword ptr [rbp - 0x28], 0", code.get(i - 1));
                    assertEquals("movzx ecx, cl", code.get(i + 1));
                    restores++;
                }
            }
            assertEquals(2, restores, "RestoreContexts and RestoreContextsOnSuspension");
            // The reuse path sets prev.Next = the incoming continuation: lea rcx, [rcx + 8] (ZipFile 0x710B).
            assertEquals(1, code.stream().filter("lea rcx, [rcx + 8]"::equals).count());
            // Flags and State in one qword store (ZipFile 0x70BB): Flags 0x109, State 0.
            assertEquals(1, code.stream().filter("mov qword ptr [rax + 0x18], 0x109"::equals).count());
            // The exception slot is read, then cleared, then tested (ZipFile 0x71A2-0x71AC).
            int read = code.indexOf("mov rcx, qword ptr [rax + 0x20]");
            assertEquals(List.of("mov qword ptr [rax + 0x20], 0", "test rcx, rcx"), code.subList(read + 1, read + 3));
        }
    }
}
