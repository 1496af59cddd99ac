package r2rlab.emitter.x64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static r2rlab.emitter.x64.Register.*;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class X64UnwindInfoTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /**
     * Prolog {@code push rbp; push rbx; sub rsp,0x28}, derived by hand from the Windows x64 spec:
     *
     * <pre>
     * code:  0: 55          push rbp      -> ends at 1
     *        1: 53          push rbx      -> ends at 2
     *        2: 48 83 EC 28 sub rsp,0x28  -> ends at 6 = SizeOfProlog
     * header: byte0 = Version 1 | Flags 0 &lt;&lt; 3 = 0x01; byte1 = SizeOfProlog = 0x06;
     *         byte2 = CountOfUnwindCodes = 3 (three 1-slot codes); byte3 = no frame register = 0x00
     * codes (reverse prolog order), each {CodeOffset, UnwindOp | OpInfo &lt;&lt; 4}:
     *   sub rsp,0x28: ALLOC_SMALL (2), OpInfo = (0x28 - 8) / 8 = 4  -> 06 42
     *   push rbx:     PUSH_NONVOL (0), OpInfo = RBX = 3              -> 02 30
     *   push rbp:     PUSH_NONVOL (0), OpInfo = RBP = 5              -> 01 50
     *   count 3 is odd -> one zero pad slot                          -> 00 00
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
        assertEquals(3, info.countOfUnwindCodes());
        assertEquals(12, info.encodedSize());

        X64UnwindInfo back = X64UnwindInfo.decode(blob, 0);
        assertEquals(info, back);
        assertEquals(6, back.sizeOfProlog());
        assertEquals(List.of(
                new UnwindCode(6, UnwindOp.UWOP_ALLOC_SMALL, 4, 0x28),
                new UnwindCode(2, UnwindOp.UWOP_PUSH_NONVOL, 3, 0),
                new UnwindCode(1, UnwindOp.UWOP_PUSH_NONVOL, 5, 0)), back.codes());
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
        assertEquals(RBP, info.frameRegister());
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

    /**
     * ALLOC_LARGE, both forms:
     * <pre>
     * sub rsp,0x1000 = 48 81 EC 00 10 00 00 (7 bytes). 0x1000 &gt; 128 and 0x1000/8 = 0x200 fits 16 bits
     *   -> ALLOC_LARGE OpInfo 0 at 7: 07 01, then u16 0x0200: 00 02; count 2 (even)
     * sub rsp,0x80000 (512 KiB): 0x80000/8 = 0x10000 does not fit 16 bits -> OpInfo 1: 07 11, then
     *   u32 0x00080000 as two u16 slots: 00 00 08 00; count 3 -> pad
     * </pre>
     */
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

        // boundaries of the automatic choice
        assertEquals(UnwindOp.UWOP_ALLOC_SMALL, UnwindCode.alloc(0, 128).op());
        assertEquals(15, UnwindCode.alloc(0, 128).opInfo());
        assertEquals(0, UnwindCode.alloc(0, 136).opInfo());
        assertEquals(UnwindOp.UWOP_ALLOC_LARGE, UnwindCode.alloc(0, 136).op());
        assertEquals(0, UnwindCode.alloc(0, 0xFFFF * 8).opInfo());
        assertEquals(1, UnwindCode.alloc(0, 0x10000 * 8).opInfo());
        // explicit unscaled form of a small size round-trips too
        X64UnwindInfo forced = new X64UnwindInfo(0, 7, null, 0, List.of(UnwindCode.allocLarge(7, 0x28, false)));
        assertArrayEquals(hex("01 07 03 00  07 11 28 00 00 00  00 00"), forced.encode());
        assertEquals(forced, X64UnwindInfo.decode(forced.encode(), 0));
    }

    @Test
    void decodeAtOffsetIgnoresTrailingData() {
        byte[] data = hex("AA BB  01 06 03 00  06 42  02 30  01 50  00 00  78 56 34 12");
        X64UnwindInfo info = X64UnwindInfo.decode(data, 2);
        assertEquals(6, info.sizeOfProlog());
        assertEquals(3, info.codes().size());
        assertNull(info.frameRegister());
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
                            rec.setFpreg(off, Register.of(rnd.nextInt(16)), 16 * rnd.nextInt(16));
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
        rec.pushNonvol(5, RBP);
        assertThrows(IllegalArgumentException.class, () -> rec.pushNonvol(3, RBX));
        assertThrows(IllegalArgumentException.class, () -> rec.build(0, 4)); // code beyond prolog
        List<UnwindCode> notReversed = new ArrayList<>(List.of(UnwindCode.pushNonvol(1, RBP), UnwindCode.pushNonvol(2, RBX)));
        assertThrows(IllegalArgumentException.class, () -> new X64UnwindInfo(0, 2, null, 0, notReversed));
        assertThrows(IllegalArgumentException.class, () -> X64UnwindInfo.decode(hex("02 00 00 00"), 0));
    }
}
