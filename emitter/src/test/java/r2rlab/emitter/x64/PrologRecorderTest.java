package r2rlab.emitter.x64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static r2rlab.emitter.x64.Register.*;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import r2rlab.format.unwind.x64.UnwindCode;
import r2rlab.format.unwind.x64.X64UnwindInfo;

/** The prolog instructions the assembler emits and the UNWIND_INFO the recorder builds for them. */
class PrologRecorderTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /**
     * Prolog {@code push rbp; push rbx; sub rsp,0x28}:
     *
     * <pre>
     * code:  0: 55          push rbp      -> ends at 1
     *        1: 53          push rbx      -> ends at 2
     *        2: 48 83 EC 28 sub rsp,0x28  -> ends at 6 = SizeOfProlog
     * codes (reverse prolog order): ALLOC_SMALL 0x28 at 6 -> 06 42; PUSH rbx at 2 -> 02 30; PUSH rbp at 1 -> 01 50; pad
     * </pre>
     */
    @Test
    void pushRbpPushRbxSubRsp28() {
        X64Assembler a = new X64Assembler();
        PrologRecorder rec = new PrologRecorder();
        a.push(RBP);
        rec.pushNonvol(a.offset(), RBP);
        a.push(RBX);
        rec.pushNonvol(a.offset(), RBX);
        a.subRsp(0x28);
        rec.alloc(a.offset(), 0x28);
        X64UnwindInfo info = rec.build(0, a.offset());
        assertArrayEquals(hex("55 53 48 83 EC 28"), a.code());
        byte[] blob = info.encode();
        assertArrayEquals(hex("01 06 03 00  06 42  02 30  01 50  00 00"), blob);
        assertEquals(6, info.sizeOfProlog());
        assertEquals(List.of(UnwindCode.alloc(6, 0x28), UnwindCode.pushNonvol(2, RBX.encoding()), UnwindCode.pushNonvol(1, RBP.encoding())),
                info.codes());
    }

    /**
     * {@code push rbp; sub rsp,0x20; lea rbp,[rsp+0x20]} (the RyuJIT frame shape), with the R2R
     * EHANDLER|UHANDLER flags:
     * <pre>
     * 0: 55 (->1); 1: 48 83 EC 20 (->5); 5: 48 8D 6C 24 20 (->10)
     * byte0 = 1 | 3 &lt;&lt; 3 = 0x19; SizeOfProlog 0x0A; count 3; byte3 = RBP (5) | (0x20/16 = 2) &lt;&lt; 4 = 0x25
     * SET_FPREG (3) at 10 -> 0A 03; ALLOC_SMALL (0x20-8)/8 = 3 at 5 -> 05 32; PUSH rbp at 1 -> 01 50; pad
     * </pre>
     */
    @Test
    void framePointerPrologViaConvenienceMethods() {
        X64Assembler a = new X64Assembler();
        PrologRecorder rec = new PrologRecorder();
        rec.push(a, RBP);
        rec.allocStack(a, 0x20);
        rec.setFramePointer(a, RBP, 0x20);
        assertArrayEquals(hex("55 48 83 EC 20 48 8D 6C 24 20"), a.code());
        X64UnwindInfo info = rec.build(X64UnwindInfo.UNW_FLAG_EHANDLER | X64UnwindInfo.UNW_FLAG_UHANDLER);
        byte[] blob = info.encode();
        assertArrayEquals(hex("19 0A 03 25  0A 03  05 32  01 50  00 00"), blob);
        assertEquals(info, X64UnwindInfo.decode(blob, 0));
        assertEquals(RBP.encoding(), info.frameRegister());
        assertEquals(0x20, info.frameOffset());
    }

    @Test
    void movRbpRspFrame() {
        X64Assembler a = new X64Assembler();
        PrologRecorder rec = new PrologRecorder();
        rec.push(a, RBP);
        rec.setFramePointer(a, RBP, 0);
        // 55; 48 89 E5 (mov rbp,rsp) -> prolog 4; SET_FPREG at 4, PUSH rbp at 1; even count, no pad
        assertArrayEquals(hex("55 48 89 E5"), a.code());
        assertArrayEquals(hex("01 04 02 05  04 03  01 50"), rec.build(0).encode());
    }

    /** {@code sub rsp,0x1000} = 48 81 EC 00 10 00 00 (7 bytes): ALLOC_LARGE/0 at 7; 512 KiB needs ALLOC_LARGE/1. */
    @Test
    void allocLargeBothForms() {
        X64Assembler a = new X64Assembler();
        PrologRecorder rec = new PrologRecorder();
        rec.allocStack(a, 0x1000);
        assertArrayEquals(hex("48 81 EC 00100000"), a.code());
        X64UnwindInfo scaled = rec.build(0);
        assertArrayEquals(hex("01 07 02 00  07 01 00 02"), scaled.encode());
        assertEquals(scaled, X64UnwindInfo.decode(scaled.encode(), 0));

        X64Assembler b = new X64Assembler();
        PrologRecorder rec2 = new PrologRecorder();
        rec2.allocStack(b, 0x80000);
        X64UnwindInfo big = rec2.build(0);
        assertEquals(1, big.codes().get(0).opInfo());
        assertArrayEquals(hex("01 07 03 00  07 11 00 00 08 00  00 00"), big.encode());
        assertEquals(big, X64UnwindInfo.decode(big.encode(), 0));
    }

    @Test
    void randomRoundTrips() {
        Random rnd = new Random(42);
        for (int iter = 0; iter < 2000; iter++) {
            PrologRecorder rec = new PrologRecorder();
            int off = 0;
            boolean fp = false;
            int n = rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                off += 1 + rnd.nextInt(7);
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> rec.pushNonvol(off, Register.of(rnd.nextInt(16)));
                    case 2 -> rec.alloc(off, 8 * (1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 100_000)));
                    case 3 -> rec.allocLarge(off, 8 * (1 + rnd.nextInt(1000)), rnd.nextBoolean());
                    default -> {
                        if (!fp) {
                            // FrameRegister 0 means "none", so RAX cannot be the frame register
                            rec.setFpreg(off, Register.of(1 + rnd.nextInt(15)), 16 * rnd.nextInt(16));
                            fp = true;
                        }
                    }
                }
            }
            X64UnwindInfo info = rec.build(rnd.nextInt(8), off + rnd.nextInt(3));
            byte[] blob = info.encode();
            assertEquals(info.encodedSize(), blob.length);
            assertEquals(0, blob.length % 4);
            assertEquals(info, X64UnwindInfo.decode(blob, 0));
        }
    }

    @Test
    void invalidInputsAreRejected() {
        PrologRecorder rec = new PrologRecorder();
        assertThrows(IllegalArgumentException.class, () -> rec.alloc(4, 12));
        assertThrows(IllegalArgumentException.class, () -> rec.setFpreg(4, RBP, 8));
        assertThrows(IllegalArgumentException.class, () -> rec.setFpreg(4, RBP, 256));
        assertThrows(IllegalArgumentException.class, () -> rec.setFpreg(4, RAX, 0));
        rec.pushNonvol(5, RBP);
        assertThrows(IllegalArgumentException.class, () -> rec.pushNonvol(3, RBX));
        assertThrows(IllegalArgumentException.class, () -> rec.build(0, 4)); // code beyond prolog
    }
}
