package r2rlab.emitter.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import r2rlab.emitter.arm64.Arm64Backend;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.Lowering;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emitter.x64.X64Backend;
import r2rlab.format.pe.TargetOs;

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
    void aTailCallTakesOnlyRegisterArguments() {
        // x64 Windows passes 4 arguments in registers, SysV 6, ARM64 8: one more cannot be a tail jump.
        assertEquals(1, new X64Backend().compileMethod(Lowering.lower(tailCaller(4), CodeVersion.R2R),
                new FakeCodegenContext(TargetOs.WINDOWS)).fragments().size());
        UnsupportedOperationException win = assertThrows(UnsupportedOperationException.class,
                () -> new X64Backend().compileMethod(Lowering.lower(tailCaller(5), CodeVersion.R2R),
                        new FakeCodegenContext(TargetOs.WINDOWS)));
        assertEquals("tail call with stack arguments (4 argument registers): Demo.T.G", win.getMessage());
        new X64Backend().compileMethod(Lowering.lower(tailCaller(6), CodeVersion.R2R), new FakeCodegenContext(TargetOs.LINUX));
        UnsupportedOperationException sysv = assertThrows(UnsupportedOperationException.class,
                () -> new X64Backend().compileMethod(Lowering.lower(tailCaller(7), CodeVersion.R2R),
                        new FakeCodegenContext(TargetOs.LINUX)));
        assertEquals("tail call with stack arguments (6 argument registers): Demo.T.G", sysv.getMessage());
        new Arm64Backend().compileMethod(Lowering.lower(tailCaller(8), CodeVersion.R2R), new FakeCodegenContext());
        UnsupportedOperationException arm = assertThrows(UnsupportedOperationException.class,
                () -> new Arm64Backend().compileMethod(Lowering.lower(tailCaller(9), CodeVersion.R2R),
                        new FakeCodegenContext()));
        assertEquals("tail call with stack arguments (8 argument registers): Demo.T.G", arm.getMessage());
    }
}
