package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;

/** {@code r2rlab dump --disasm}: Capstone disassembly with cells, helpers and call targets named. */
class CliDisasmTest {
    @TempDir
    Path dir;

    private String disasm(Architecture arch, Defect... defects) throws Exception {
        Path image = dir.resolve("calls-" + arch + defects.length + ".dll");
        Files.write(image, Emitted.emit(Emitted.scenario("calls.yaml"), arch, defects));
        CliDumpTest.Result r = CliDumpTest.run("dump", "--disasm", image.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("READYTORUN_HEADER"), "the ordinary dump comes first");
        return r.out();
    }

    private static String line(String out, String... parts) {
        for (String l : out.split("\n")) {
            boolean all = true;
            for (String p : parts) {
                all &= l.contains(p);
            }
            if (all) {
                return l;
            }
        }
        throw new AssertionError("no line with " + String.join(" + ", parts) + " in\n" + out);
    }

    @Test
    void x64NamesCellsHelpersAndDirectCalls() throws Exception {
        String out = disasm(Architecture.X64);
        assertTrue(out.contains("Method Demo.Calls.Main  RVA 0x00001000-"), out);
        // call [rip+X] through the MethodImports cells: every call between methods, in the order Main makes them
        line(out, "call qword ptr [rip + 0x", "; -> MethodImports[0] MethodEntry_DefToken Demo.Calls.Square");
        line(out, "call qword ptr [rip + 0x", "; -> MethodImports[1] MethodEntry_DefToken Demo.Calls.Twice");
        line(out, "call qword ptr [rip + 0x", "; -> MethodImports[4] MethodEntry_DefToken Demo.Calls+Math.Add");
        // the tail jump through Clamp's cell
        line(out, "lea rax, [rip + 0x", "; -> MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp");
        line(out, "jmp qword ptr [rax]", "; -> through MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp");
        // helper calls through eager cells
        line(out, "call qword ptr [rip + 0x", "; -> EagerImports[", "Helper ThrowDivZero");
        // the thunks: Module cell pushed, jump through DelayLoad_MethodCall
        assertTrue(out.contains("Thunk import thunk of MethodImports"), out);
        line(out, "push qword ptr [rip + 0x", "; -> EagerImports[0] Helper Module");
        line(out, "jmp qword ptr [rip + 0x", "; -> EagerImports[", "Helper DelayLoad_MethodCall");
        // direct calls (only with direct-calls) name the method
        String direct = disasm(Architecture.X64, Defect.DIRECT_CALLS);
        line(direct, "call 0x", "; -> Demo.Calls.Square");
        line(direct, "call 0x", "; -> Demo.Calls.Chain");
    }

    @Test
    void arm64NamesAdrpAddPairsAndThunkLiterals() throws Exception {
        String out = disasm(Architecture.ARM64);
        line(out, "add x11, x11, #0x", "; x11 = MethodImports[1] MethodEntry_DefToken Demo.Calls.Twice");
        line(out, "blr x16", "; -> through MethodImports[1] MethodEntry_DefToken Demo.Calls.Twice");
        line(out, "br x16", "; -> through MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp");
        line(out, "movz x9, #0x4", "; import section 4 (MethodImports)");
        line(out, "ldr x10, #0x", "= EagerImports[0] Helper Module");
        line(out, "br x12", "; -> through EagerImports[", "Helper DelayLoad_MethodCall");
        line(disasm(Architecture.ARM64, Defect.DIRECT_CALLS), "bl #0x", "; -> Demo.Calls.Square");
    }

    @Test
    void disasmIsRefusedWithJson() throws Exception {
        Path image = dir.resolve("calls.dll");
        Files.write(image, Emitted.emit(Emitted.scenario("calls.yaml"), Architecture.X64));
        CliDumpTest.Result r = CliDumpTest.run("dump", "--disasm", "--json", image.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--disasm"), r.err());
    }
}
