package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The stores of references the emitted code makes, beside the real images' (Capstone): a resumption stub's reference
 * result through CheckedWriteBarrier as ZipFile's OpenAsync stub stores it, and an object's reference field through
 * WriteBarrier as Ping (x64) and ChessPuzzlesBot's System.Collections (ARM64, through x12) do.
 */
class ReferenceStoreShapeTest {
    /** The instructions of runtime function {@code rf}, as "mnemonic operands". */
    private static List<String> text(R2RImage img, RuntimeFunction rf, boolean arm64) {
        List<String> out = new ArrayList<>();
        try (Disassembler d = new Disassembler(arm64)) {
            for (Disassembler.Insn i : d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva())) {
                out.add(i.mnemonic() + " " + i.operands());
            }
        }
        return out;
    }

    private static RuntimeFunction at(R2RImage img, long rva) {
        return img.runtimeFunctions().stream().filter(rf -> rf.beginRva() <= rva && rva < rf.endRva()).findFirst().orElseThrow();
    }

    /** The two instructions before the first call of {@code helper} in the runtime function, and that call's cell name. */
    private static List<String> beforeHelper(R2RImage img, RuntimeFunction rf, boolean arm64, String helper, int before) {
        List<String> calls = calls(img, arm64, rf.beginRva(), rf.endRva());
        assertTrue(calls.contains(helper), calls.toString());
        List<String> insns = text(img, rf, arm64);
        for (int k = 0; k < insns.size(); k++) {
            if (insns.get(k).startsWith(arm64 ? "adrp x12" : "call qword ptr [rip")) {
                List<String> around = new ArrayList<>(insns.subList(k - before, k));
                long callRva = rvaOf(img, rf, arm64, k);
                List<String> one = calls(img, arm64, callRva, callRva + (arm64 ? 16 : 6));
                if (one.equals(List.of(helper))) {
                    return around;
                }
            }
        }
        throw new AssertionError("no call of " + helper);
    }

    private static List<String> calls(R2RImage img, boolean arm64, long from, long to) {
        try (Disassembler d = new Disassembler(arm64)) {
            return new CallSequence(img).calls(d, arm64, from, to);
        }
    }

    private static long rvaOf(R2RImage img, RuntimeFunction rf, boolean arm64, int index) {
        try (Disassembler d = new Disassembler(arm64)) {
            return d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva()).get(index).address() - img.pe().imageBase();
        }
    }

    @Test
    void stubStoresAReferenceResultAsZipFilesStub() throws Exception {
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        // OpenAsync$ResumptionStub (0x6DA0): 0x6DC3 mov rcx, rbx (the result byref); mov rdx, rax (the result)
        List<String> real = beforeHelper(zip, at(zip, 0x6DA0), false, "CheckedWriteBarrier", 2);
        assertEquals(List.of("mov rcx, rbx", "mov rdx, rax"), real);
        R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("gc-refs.yaml"), Architecture.X64));
        ReadyToRunMethod stub = img.methods().stream().filter(m -> m.name().equals("Demo.Refs.Chain$ResumptionStub")).findFirst().orElseThrow();
        assertEquals(real, beforeHelper(img, img.runtimeFunctions().get(stub.entryRuntimeFunction()), false, "CheckedWriteBarrier", 2));
        R2RImage arm = Emitted.read(Emitted.emit(Emitted.scenario("gc-refs.yaml"), Architecture.ARM64));
        ReadyToRunMethod armStub = arm.methods().stream().filter(m -> m.name().equals("Demo.Refs.Chain$ResumptionStub")).findFirst().orElseThrow();
        // x14 = the byref (kept in x19), x15 = the result (x0)
        assertEquals(List.of("mov x14, x19", "mov x15, x0"), beforeHelper(arm, arm.runtimeFunctions().get(armStub.entryRuntimeFunction()), true,
                "CheckedWriteBarrier", 2));
    }

    @Test
    void referenceFieldsGoThroughWriteBarrierAsTheRealImagesStoreThem() throws Exception {
        // Ping 0x5FDC: lea rcx, [r15 + 8]; mov rdx, r12; call [WriteBarrier]
        R2RImage ping = R2RImage.read(Fixtures.net11("System.Net.Ping.dll"));
        List<String> real = text(ping, at(ping, 0x5FDC), false);
        assertTrue(String.join("\n", real).contains("lea rcx, [r15 + 8]\nmov rdx, r12"), "Ping's store");
        // ChessPuzzlesBot's System.Collections 0x17900: add x14, x19, #8; mov x15, x0; then adrp x12 / add / ldr x12 / blr x12
        R2RImage chess = R2RImage.read(Fixtures.r2r("ChessPuzzlesBot__System.Collections__ARM64-Linux__r2r16.0.dll"));
        List<String> realArm = text(chess, at(chess, 0x17900), true);
        assertTrue(String.join("\n", realArm).contains("add x14, x19, #8\nmov x15, x0\nadrp x12"), "ChessPuzzlesBot's store");
        // Main's new Pair(a, null): the Pair's first field (+8) through WriteBarrier, dst first, as both real images
        R2RImage x64 = Emitted.read(Emitted.emit(Emitted.scenario("gc-refs.yaml"), Architecture.X64));
        ReadyToRunMethod main = x64.methods().stream().filter(m -> m.name().equals("Demo.Refs.Main") && m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
        List<String> ours = beforeHelper(x64, x64.runtimeFunctions().get(main.entryRuntimeFunction()), false, "WriteBarrier", 2);
        assertEquals("lea rcx, [rax + 8]", ours.get(0));
        assertTrue(ours.get(1).startsWith("mov rdx, qword ptr [rbp - "), ours.toString());
        R2RImage arm = Emitted.read(Emitted.emit(Emitted.scenario("gc-refs.yaml"), Architecture.ARM64));
        ReadyToRunMethod armMain = arm.methods().stream().filter(m -> m.name().equals("Demo.Refs.Main") && m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
        List<String> armOurs = beforeHelper(arm, arm.runtimeFunctions().get(armMain.entryRuntimeFunction()), true, "WriteBarrier", 2);
        assertEquals("add x14, x9, #8", armOurs.get(0));
        assertTrue(armOurs.get(1).startsWith("ldr x15, [x29, #"), armOurs.toString());
    }
}
