package r2rlab.emu.unicorn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emu.unicorn.UnicornConst.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import r2rlab.format.r2r.ReadyToRunInstructionSet;

/**
 * The instruction sets {@link Unicorn#instructionSets()} states, checked on libunicorn2 itself: one
 * instruction of every stated set computes what the architecture defines (results computed here in
 * Java, or by hand from the definition), and an instruction of each left-out set faults or computes
 * something else. Encodings are llvm-mc 14's.
 */
class UnicornInstructionSetTest {
    private static final long DATA = 0x200000;

    @Test
    void statedSets() {
        try (Unicorn x = Unicorn.x86_64(); Unicorn a = Unicorn.arm64()) {
            assertEquals(EnumSet.of(ReadyToRunInstructionSet.Sse, ReadyToRunInstructionSet.Sse2, ReadyToRunInstructionSet.Sse3,
                    ReadyToRunInstructionSet.Ssse3, ReadyToRunInstructionSet.Sse41, ReadyToRunInstructionSet.Sse42,
                    ReadyToRunInstructionSet.Aes, ReadyToRunInstructionSet.Bmi1, ReadyToRunInstructionSet.Lzcnt,
                    ReadyToRunInstructionSet.VectorT128), x.instructionSets());
            assertEquals(EnumSet.of(ReadyToRunInstructionSet.ArmBase, ReadyToRunInstructionSet.AdvSimd, ReadyToRunInstructionSet.Aes,
                    ReadyToRunInstructionSet.Crc32, ReadyToRunInstructionSet.Sha1, ReadyToRunInstructionSet.Sha256,
                    ReadyToRunInstructionSet.VectorT128), a.instructionSets());
        }
    }

    // ---- x64: xmm0, xmm1, xmm2 loaded from DATA (dwords A, B, C), the instruction, xmm0 stored at DATA + 48 ----

    private static final int[] A = {1, -5, 0x7fffffff, 40};
    private static final int[] B = {10, 20, -30, 0x12345678};
    private static final int[] C = {100, 200, 300, 400};
    /** movdqu xmm0, [rsp]; movdqu xmm1, [rsp+16]; movdqu xmm2, [rsp+32]. */
    private static final byte[] LOAD = bytes(0xf3, 0x0f, 0x6f, 0x04, 0x24, 0xf3, 0x0f, 0x6f, 0x4c, 0x24, 0x10, 0xf3, 0x0f, 0x6f, 0x54, 0x24, 0x20);
    /** movdqu [rsp+48], xmm0. */
    private static final byte[] STORE = bytes(0xf3, 0x0f, 0x7f, 0x44, 0x24, 0x30);

    private static int[] xmm(int... insn) {
        byte[] code = concat(LOAD, bytes(insn), STORE);
        try (Unicorn uc = Unicorn.x86_64()) {
            mapWithInputs(uc);
            uc.regWrite(UC_X86_REG_RSP, DATA);
            uc.memWrite(Snippets.CODE, code);
            uc.emuStart(Snippets.CODE, Snippets.CODE + code.length, 1_000_000, 0);
            ByteBuffer out = ByteBuffer.wrap(uc.memRead(DATA + 48, 16)).order(ByteOrder.LITTLE_ENDIAN);
            return new int[] {out.getInt(), out.getInt(), out.getInt(), out.getInt()};
        }
    }

    /** Maps the code page and DATA, with the dwords A, B and C at DATA. */
    private static void mapWithInputs(Unicorn uc) {
        uc.memMap(Snippets.CODE, 0x1000, UC_PROT_ALL);
        uc.memMap(DATA, 0x1000, UC_PROT_READ | UC_PROT_WRITE);
        ByteBuffer in = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] v : new int[][] {A, B, C}) {
            for (int d : v) {
                in.putInt(d);
            }
        }
        uc.memWrite(DATA, in.array());
    }

    /** rax = {@code rax}, rbx, rcx, the instruction; returns rax. */
    private static long gpr(long rax, long rbx, long rcx, int... insn) {
        byte[] code = bytes(insn);
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(Snippets.CODE, 0x1000, UC_PROT_ALL);
            uc.memMap(DATA, 0x1000, UC_PROT_READ | UC_PROT_WRITE);
            uc.regWrite(UC_X86_REG_RSP, DATA);
            uc.regWrite(UC_X86_REG_RAX, rax);
            uc.regWrite(UC_X86_REG_RBX, rbx);
            uc.regWrite(UC_X86_REG_RCX, rcx);
            uc.memWrite(Snippets.CODE, code);
            uc.emuStart(Snippets.CODE, Snippets.CODE + code.length, 1_000_000, 0);
            return uc.regRead(UC_X86_REG_RAX);
        }
    }

    @Test
    void x64_statedSetsComputeTheirResults() {
        // Sse: andps xmm0, xmm1
        assertArrayEquals(new int[] {A[0] & B[0], A[1] & B[1], A[2] & B[2], A[3] & B[3]}, xmm(0x0f, 0x54, 0xc1));
        // Sse2: paddd xmm0, xmm1
        assertArrayEquals(new int[] {A[0] + B[0], A[1] + B[1], A[2] + B[2], A[3] + B[3]}, xmm(0x66, 0x0f, 0xfe, 0xc1));
        // Sse3: movshdup xmm0, xmm1 (odd dwords duplicated)
        assertArrayEquals(new int[] {B[1], B[1], B[3], B[3]}, xmm(0xf3, 0x0f, 0x16, 0xc1));
        // Ssse3: pabsd xmm0, xmm1
        assertArrayEquals(new int[] {10, 20, 30, 0x12345678}, xmm(0x66, 0x0f, 0x38, 0x1e, 0xc1));
        // Sse41: pminsd xmm0, xmm1
        assertArrayEquals(new int[] {1, -5, -30, 40}, xmm(0x66, 0x0f, 0x38, 0x39, 0xc1));
        // Sse42: crc32 rax, rbx is CRC-32C without the initial and final inversion
        long data = 0x0123456789abcdefL;
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data).array());
        assertEquals(crc.getValue(), gpr(0xFFFFFFFFL, data, 0, 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc3) ^ 0xFFFFFFFFL);
        // Aes: aesenc of a zero state with a zero round key: SubBytes(0) = 0x63 in every byte, which
        // ShiftRows and MixColumns (2*63 ^ 3*63 ^ 63 ^ 63 = 63) keep.
        int[] aes = xmm(0x66, 0x0f, 0xef, 0xc0, 0x66, 0x0f, 0xef, 0xc9, 0x66, 0x0f, 0x38, 0xdc, 0xc1); // pxor xmm0,xmm0; pxor xmm1,xmm1; aesenc
        assertArrayEquals(new int[] {0x63636363, 0x63636363, 0x63636363, 0x63636363}, aes);
        // Bmi1: andn rax, rbx, rcx = ~rbx & rcx; tzcnt rax, rbx
        assertEquals(~0xF0F0L & 0xFF00L, gpr(0, 0xF0F0, 0xFF00, 0xc4, 0xe2, 0xe0, 0xf2, 0xc1));
        assertEquals(64, gpr(0, 0, 0, 0xf3, 0x48, 0x0f, 0xbc, 0xc3));
        assertEquals(Long.numberOfTrailingZeros(0x80L), gpr(0, 0x80, 0, 0xf3, 0x48, 0x0f, 0xbc, 0xc3));
        // Lzcnt: lzcnt rax, rbx (not BSR: 1 gives 63, 0 gives 64)
        assertEquals(63, gpr(0, 1, 0, 0xf3, 0x48, 0x0f, 0xbd, 0xc3));
        assertEquals(64, gpr(0, 0, 0, 0xf3, 0x48, 0x0f, 0xbd, 0xc3));
    }

    @Test
    void x64_vex128RunsAsItsSseTwin_rightOnlyWhenTheFirstSourceIsTheDestination() {
        // vpaddd xmm0, xmm0, xmm2: right
        assertArrayEquals(new int[] {A[0] + C[0], A[1] + C[1], A[2] + C[2], A[3] + C[3]}, xmm(0xc5, 0xf9, 0xfe, 0xc2));
        // vxorps xmm0, xmm0, xmm0: right
        assertArrayEquals(new int[] {0, 0, 0, 0}, xmm(0xc5, 0xf8, 0x57, 0xc0));
        // vpaddd xmm0, xmm1, xmm2 should give B + C; the engine ignores xmm1 and gives A + C, as paddd xmm0, xmm2 would
        int[] wrong = xmm(0xc5, 0xf1, 0xfe, 0xc2);
        assertNotEquals(B[0] + C[0], wrong[0]);
        assertArrayEquals(new int[] {A[0] + C[0], A[1] + C[1], A[2] + C[2], A[3] + C[3]}, wrong);
    }

    private static void invalid(Runnable r) {
        UcException e = assertThrows(UcException.class, r::run);
        assertTrue(e.getMessage().contains("UC_ERR_INSN_INVALID"), e.getMessage());
    }

    @Test
    void x64_leftOutSetsFaultOrComputeSomethingElse() {
        invalid(() -> gpr(0, 5, 0, 0xf3, 0x48, 0x0f, 0xb8, 0xc3)); // popcnt rax, rbx: so X86Base (x86-64-v2) is not stated
        invalid(() -> gpr(0, 0, 0, 0x48, 0x0f, 0x38, 0xf0, 0x04, 0x24)); // movbe rax, [rsp]
        invalid(() -> xmm(0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x00)); // pclmulqdq xmm0, xmm1, 0
        invalid(() -> xmm(0xc5, 0xf5, 0xfe, 0xc2)); // vpaddd ymm0, ymm1, ymm2 (VEX.256)
        invalid(() -> xmm(0xc4, 0xe2, 0x71, 0xb8, 0xc2)); // vfmadd231ps xmm0, xmm1, xmm2 (FMA)
        invalid(() -> xmm(0xc4, 0xe2, 0x79, 0x58, 0xc1)); // vpbroadcastd xmm0, xmm1 (AVX2)
        // Bmi2: pdep rax, rbx, rcx deposits rbx's low bits at rcx's set bits: 1 into mask 0xF0 gives 0x10; the engine
        // takes the operands the other way round and gives 0.
        assertEquals(0, gpr(0, 1, 0xF0, 0xc4, 0xe2, 0xe3, 0xf5, 0xc1));
    }

    // ---- ARM64: x8 = DATA; q0, q1, q2 loaded from DATA, the instruction, q0 stored at DATA + 48 ----

    private static final int[] A64_LOAD = {0x3dc00100, 0x3dc00501, 0x3dc00902}; // ldr q0, [x8]; ldr q1, [x8, #16]; ldr q2, [x8, #32]
    private static final int A64_STORE = 0x3d800d00; // str q0, [x8, #48]

    private static long[] arm(long x1, long x2, int... insns) {
        int[] words = new int[A64_LOAD.length + insns.length + 1];
        System.arraycopy(A64_LOAD, 0, words, 0, A64_LOAD.length);
        System.arraycopy(insns, 0, words, A64_LOAD.length, insns.length);
        words[words.length - 1] = A64_STORE;
        try (Unicorn uc = Unicorn.arm64()) {
            mapWithInputs(uc);
            uc.regWrite(UC_ARM64_REG_X8, DATA);
            uc.regWrite(UC_ARM64_REG_X1, x1);
            uc.regWrite(UC_ARM64_REG_X2, x2);
            uc.writeWords(Snippets.CODE, words);
            uc.emuStart(Snippets.CODE, Snippets.CODE + 4L * words.length, 1_000_000, 0);
            ByteBuffer out = ByteBuffer.wrap(uc.memRead(DATA + 48, 16)).order(ByteOrder.LITTLE_ENDIAN);
            return new long[] {uc.regRead(UC_ARM64_REG_X0), out.getInt(), out.getInt(), out.getInt(), out.getInt()};
        }
    }

    @Test
    void arm64_statedSetsComputeTheirResults() {
        // ArmBase: add x0, x1, x2
        assertEquals(7 + 35, arm(7, 35, 0x8b020020)[0]);
        // AdvSimd: add v0.4s, v1.4s, v2.4s
        long[] simd = arm(0, 0, 0x4ea28420);
        assertArrayEquals(new long[] {B[0] + C[0], B[1] + C[1], B[2] + C[2], B[3] + C[3]}, new long[] {simd[1], simd[2], simd[3], simd[4]});
        // Aes: aese v0.16b, v1.16b after eor v0, v0, v0 and eor v1, v1, v1: SubBytes(0) = 0x63 in every byte
        long[] aes = arm(0, 0, 0x6e201c00, 0x6e211c21, 0x4e284820);
        assertArrayEquals(new long[] {0x63636363, 0x63636363, 0x63636363, 0x63636363}, new long[] {aes[1], aes[2], aes[3], aes[4]});
        // Crc32: crc32x w0, w1, x2 is CRC-32 without the initial and final inversion
        long data = 0x0123456789abcdefL;
        CRC32 crc = new CRC32();
        crc.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data).array());
        assertEquals(crc.getValue(), arm(0xFFFFFFFFL, data, 0x9ac24c20)[0] ^ 0xFFFFFFFFL);
        // Sha1: sha1h s0, s1 rotates the word left by 30
        assertEquals(Integer.rotateLeft(B[0], 30), (int) arm(0, 0, 0x5e280820)[1]);
        // Sha256: sha256h q0, q1, v2.4s runs (no exception)
        arm(0, 0, 0x5e024020);
    }

    @Test
    void arm64_leftOutSetsRaiseAnException() {
        for (int insn : new int[] {0xf8210102, 0x4e829420, 0x6e828420, 0xf8bfc101}) { // ldadd (LSE), sdot (Dp), sqrdmlah (Rdm), ldapr (Rcpc)
            UcException e = assertThrows(UcException.class, () -> arm(0, 0, insn));
            assertTrue(e.getMessage().contains("UC_ERR_EXCEPTION"), e.getMessage());
        }
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
