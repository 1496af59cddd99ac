package r2rlab.emitter.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static r2rlab.emitter.arm64.Register.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.arm64.Arm64Assembler.PairMode;

/** The prolog and epilog our encoder assembles are the instructions the .xdata codes describe. */
class Arm64PrologCodesTest {

    /**
     * The function of {@code Arm64UnwindInfoTest.framedPrologWithEpilogScope} (codes save_fplr_x -32,
     * set_fp, save_regp x19 16; epilog save_regp x19 16, save_fplr_x -32, end), assembled by our
     * encoder and read back by llvm-mc.
     */
    @Test
    void prologInstructionsMatchTheCodes() {
        Arm64Assembler a = new Arm64Assembler();
        a.stp(FP, LR, SP, -32, PairMode.PRE_INDEX);
        a.mov(FP, SP);
        a.stp(X19, X20, SP, 16, PairMode.SIGNED_OFFSET);
        a.bl("callee");
        a.ldp(X19, X20, SP, 16, PairMode.SIGNED_OFFSET);
        a.ldp(FP, LR, SP, 32, PairMode.POST_INDEX);
        a.ret();
        byte[] code = a.finish().code();
        assertEquals(28, code.length);
        assertEquals(List.of("stp x29, x30, [sp, #-32]!", "mov x29, sp", "stp x19, x20, [sp, #16]", "bl #0",
                "ldp x19, x20, [sp, #16]", "ldp x29, x30, [sp], #32", "ret"), LlvmMc.disassemble(code));
    }
}
