package r2rlab.emitter.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.arm64.Arm64Backend;
import r2rlab.emitter.arm64.LlvmMc;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.Lowering;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;

/** What the shared code generation decides for both back ends. */
class BodyGeneratorTest {
    /** F tail-jumps with {@code n} arguments to G. */
    private static MethodDecl tailCaller(int n) {
        StringBuilder params = new StringBuilder();
        StringBuilder args = new StringBuilder();
        for (int i = 0; i < n; i++) {
            params.append(i == 0 ? "" : ", ").append("p").append(i);
            args.append(i == 0 ? "" : ", ").append("p").append(i);
        }
        Scenario s = ScenarioParser.parse("tail.yaml", String.join("\n",
                "module: Tail",
                "types:",
                "  - name: Demo.T",
                "    methods:",
                "      - name: F",
                "        params: [" + params + "]",
                "        returns: int",
                "        body: tailcall cell Demo.T.G(" + args + ")",
                "      - name: G",
                "        params: [" + params + "]",
                "        returns: int",
                "        body: return p0",
                ""));
        return s.methods().filter(m -> m.name().equals("F")).findFirst().orElseThrow();
    }

    @Test
    void aFastTailCallPutsStackArgumentsWhereTheCallerReceivedItsOwn() {
        // ARM64: 10 parameters, x0..x7 and two on the stack at [fp + 96] and [fp + 104] (frame of FP/LR and 10 slots).
        List<String> lines = LlvmMc.disassemble(new Arm64Backend().compileMethod(Lowering.lower(tailCaller(10), CodeVersion.R2R),
                new FakeCodegenContext()).fragments().get(0).code());
        assertEquals(List.of("ldr x9, [x29, #96]", "str x9, [x29, #80]", "ldr x9, [x29, #104]", "str x9, [x29, #88]"),
                lines.subList(10, 14), "prolog: stack parameters into their slots");
        assertEquals(List.of("ldr x9, [x29, #80]", "str x9, [x29, #96]", "ldr x9, [x29, #88]", "str x9, [x29, #104]",
                "ldr x0, [x29, #16]", "ldr x1, [x29, #24]", "ldr x2, [x29, #32]", "ldr x3, [x29, #40]",
                "ldr x4, [x29, #48]", "ldr x5, [x29, #56]", "ldr x6, [x29, #64]", "ldr x7, [x29, #72]",
                "ldp x29, x30, [sp], #96", "adrp x11, #0", "add x11, x11, #0", "ldr x16, [x11]", "br x16"),
                lines.subList(14, lines.size()), "tail call: stack arguments into the incoming area, then registers");
    }
}
