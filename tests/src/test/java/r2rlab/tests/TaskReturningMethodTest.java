package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioBuilder;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The Task-returning method calls its async variant as the real ones do: Task.FromResult&lt;T&gt; when the variant
 * completed, FinalizeTaskReturningThunk&lt;T&gt;() when it suspended, Task.get_CompletedTask and the non-generic
 * FinalizeTaskReturningThunk() for a void method. (The real ones also wrap the call in
 * ExecutionAndSyncBlockStore.Push/Pop with a try/finally; that comes with exception handling.)
 */
class TaskReturningMethodTest {
    /** A void async method: Task-returning, its variant awaits yield. */
    static Scenario voidAsync() {
        return ScenarioBuilder.create("void.yaml").module("VoidAsync").type("Demo.V").staticMethod("Touch").async().params("x")
                .returnsVoid().body("await yield").build();
    }

    /** The calls of the runtime function starting at {@code rva}. */
    static List<String> callsOfBodyAt(R2RImage img, long rva, boolean arm64) {
        RuntimeFunction rf = img.runtimeFunctions().get(img.runtimeFunctionStartingAt(rva));
        try (Disassembler d = new Disassembler(arm64)) {
            return new CallSequence(img).calls(d, arm64, rf.beginRva(), rf.endRva());
        }
    }

    static ReadyToRunMethod thunk(R2RImage img, String name) {
        return img.methods().stream().filter(m -> m.name().equals(name) && m.kind() == CodeBodyKind.TASK_RETURNING_THUNK).findFirst().orElseThrow();
    }

    @Test
    void zipFile_theRealSequences() throws Exception {
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        // OpenAsync (Task<ZipArchive>), 0x5970.
        assertEquals(List.of("ExecutionAndSyncBlockStore.Push", "ZipFile.OpenAsync [ASYNC]", "Task.FromResult",
                "AsyncHelpers.FinalizeTaskReturningThunk", "ExecutionAndSyncBlockStore.Pop"), callsOfBodyAt(zip, 0x5970, false));
        // DoCreateFromDirectoryAsync (Task), 0x5B40.
        assertEquals(List.of("ExecutionAndSyncBlockStore.Push", "ZipFile.DoCreateFromDirectoryAsync [ASYNC]", "Task.get_CompletedTask",
                "AsyncHelpers.FinalizeTaskReturningThunk", "ExecutionAndSyncBlockStore.Pop"), callsOfBodyAt(zip, 0x5B40, false));
    }

    @Test
    void emitted_theSameSequenceWithoutPushAndPop() {
        for (Architecture arch : Architecture.values()) {
            boolean arm64 = arch == Architecture.ARM64;
            R2RImage basic = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), arch));
            assertEquals(List.of("Demo.Program.Main [ASYNC]", "Task.FromResult", "AsyncHelpers.FinalizeTaskReturningThunk"),
                    callsOfBodyAt(basic, thunk(basic, "Demo.Program.Main").entryRva(), arm64), arch.toString());
            R2RImage v = Emitted.read(Emitted.emit(voidAsync(), arch));
            assertEquals(List.of("Demo.V.Touch [ASYNC]", "Task.get_CompletedTask", "AsyncHelpers.FinalizeTaskReturningThunk"),
                    callsOfBodyAt(v, thunk(v, "Demo.V.Touch").entryRva(), arm64), arch.toString());
        }
    }

    /** The generic CoreLib methods over the value type are exact instantiations: MethodEntry with the type argument, no dictionary. */
    @Test
    void genericCallsUseExactInstantiationCells_asBrotliDoesForInt32() throws Exception {
        // Brotli's ValueTask<int> thunk calls ValueTask.FromResult<Int32> through 93 06 14 1b 01 08: MethodEntry, manifest
        // module 6, MethodInstantiation | MemberRefToken, MemberRef 0x1B, one argument, ELEMENT_TYPE_I4.
        R2RImage brotli = R2RImage.read(Fixtures.net11("System.IO.Compression.Brotli.dll"));
        assertEquals("93 06 14 1b 01 08", hex(brotli.importSections().get(4).cells().get(82)));
        // Ours: manifest module 2 (System.Runtime is the one AssemblyRef), the manifest's MemberRef rows, ELEMENT_TYPE_I8.
        R2RImage basic = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64));
        CallSequence names = new CallSequence(basic);
        int checkedCells = 0;
        for (ImportCell c : basic.importSections().get(4).cells()) {
            String name = names.name(c);
            if (name.equals("Task.FromResult") || name.equals("AsyncHelpers.FinalizeTaskReturningThunk")) {
                FixupSignature.MethodEntry m = (FixupSignature.MethodEntry) c.signature();
                assertEquals(String.format("93 02 14 %02x 01 0a", m.method().ridOrSlot()), hex(c), name);
                checkedCells++;
            }
        }
        assertEquals(2, checkedCells);
    }

    @Test
    void x64_theValueIsTheOnlyArgumentOfFromResult_andFinalizeTakesNone() {
        R2RImage basic = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64));
        ReadyToRunMethod main = thunk(basic, "Demo.Program.Main");
        RuntimeFunction rf = basic.runtimeFunctions().get(main.entryRuntimeFunction());
        try (Disassembler d = new Disassembler(false)) {
            List<Disassembler.Insn> insns = d.disassemble(Emitted.code(basic, rf), basic.pe().imageBase() + rf.beginRva());
            List<Disassembler.Insn> calls = insns.stream().filter(i -> i.mnemonic().equals("call")).toList();
            assertEquals(3, calls.size());
            // after the variant's call: test rcx, rcx; jne suspended; mov rcx, rax; call [Task.FromResult<long>]
            assertEquals("mov rcx, rax", before(insns, calls.get(1)));
            // the suspended path starts at the call: no argument is loaded for FinalizeTaskReturningThunk<long>()
            assertEquals("jmp", before(insns, calls.get(2)).split(" ")[0]);
        }
    }

    private static String before(List<Disassembler.Insn> insns, Disassembler.Insn at) {
        Disassembler.Insn prev = insns.get(insns.indexOf(at) - 1);
        return prev.mnemonic() + " " + prev.operands();
    }

    private static String hex(ImportCell c) {
        return HexFormat.ofDelimiter(" ").formatHex(c.signature().toByteArray());
    }
}
