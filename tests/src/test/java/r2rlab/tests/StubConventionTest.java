package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/**
 * The resumption stub's call of its async variant passes arguments by the variant's kind, as the real stubs do:
 * {@code [this][generic context][continuation][user args]}, every argument but the continuation zero, so an
 * instance method gets a null {@code this} and the continuation in the second argument register. (The scenario
 * language has no generics, so there is no shared-generic stub to compare with Ping's SendPingAsyncInternal.)
 */
class StubConventionTest {
    /** The instructions of a stub between its prolog's last instruction and its call of the variant. */
    static List<String> argumentSetup(R2RImage img, long stubRva, int prologInstructions) {
        RuntimeFunction rf = img.runtimeFunctions().get(img.runtimeFunctionStartingAt(stubRva));
        try (Disassembler d = new Disassembler(false)) {
            List<String> code = d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva()).stream()
                    .map(i -> i.mnemonic() + " " + i.operands()).toList();
            int call = 0;
            while (!code.get(call).startsWith("call 0x")) {
                call++;
            }
            return code.subList(prologInstructions, call);
        }
    }

    static long stubOf(R2RImage img, String owner) {
        return img.resumptionStubs().stream().filter(s -> s.owner().name().equals(owner)).findFirst().map(ResumptionStub::rva).orElseThrow();
    }

    @Test
    void instanceMethod_nullThisAndTheContinuationInTheSecondRegister() throws Exception {
        // Ping's <>c.<SendPingAsync>b__56_0 (instance, 0x76B0): RBX keeps the result byref, RDX = the continuation, RCX = null this.
        R2RImage ping = R2RImage.read(Fixtures.net11("System.Net.Ping.dll"));
        assertEquals(List.of("mov rbx, rdx", "mov rdx, rcx", "xor ecx, ecx", "xor r8d, r8d", "xor r9d, r9d"), argumentSetup(ping, 0x76B0, 3));
        // Demo.Counter.Bump (instance, one user argument): the same, with one argument register less.
        R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-exception.yaml"), Architecture.X64));
        assertEquals(List.of("mov rbx, rdx", "mov rdx, rcx", "xor ecx, ecx", "xor r8d, r8d"),
                argumentSetup(img, stubOf(img, "Demo.Counter.Bump"), 3));
    }

    @Test
    void staticMethod_theContinuationFirst() throws Exception {
        // ZipFile's OpenAsync (static, 0x6DA0): RCX is the continuation already; the user arguments are zeroed.
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        assertEquals(List.of("mov rbx, rdx", "xor edx, edx", "mov qword ptr [rsp + 0x20], rdx", "xor r8d, r8d", "xor r9d, r9d"),
                argumentSetup(zip, 0x6DA0, 3));
        // Demo.Faults.Fail (static, one argument).
        R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-exception.yaml"), Architecture.X64));
        assertEquals(List.of("mov rbx, rdx", "xor edx, edx"), argumentSetup(img, stubOf(img, "Demo.Faults.Fail"), 3));
        ReadyToRunMethod fail = img.methods().stream().filter(m -> m.name().equals("Demo.Faults.Fail$ResumptionStub")).findFirst().orElseThrow();
        assertEquals(stubOf(img, "Demo.Faults.Fail"), fail.entryRva());
    }
}
