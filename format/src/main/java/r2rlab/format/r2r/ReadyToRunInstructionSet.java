package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.List;

/**
 * READYTORUN_INSTRUCTION_* ids (readytoruninstructionset.h), the instruction sets a
 * Check_InstructionSetSupport (0x30) fixup names. Each entry of the fixup is {@code id << 1 | 1} for a
 * set the code needs and {@code id << 1} for a set the CPU must not have (for example VectorT512−:
 * the code assumed Vector&lt;T&gt; narrower than 64 bytes). Ids 1-15, 22, 25, 27-41, 44-55 and 60-83
 * name x64 sets, 9, 16-21, 23, 24, 26, 39, 42, 43 and 59 ARM64 ones; since .NET 10, X86Base is the
 * x86-64-v2 baseline (SSE4.2 and POPCNT) and the older Sse..Sse42 and Popcnt ids are part of it.
 */
public enum ReadyToRunInstructionSet {
    Sse(1),
    Sse2(2),
    Sse3(3),
    Ssse3(4),
    Sse41(5),
    Sse42(6),
    Avx(7),
    Avx2(8),
    Aes(9),
    Bmi1(10),
    Bmi2(11),
    Fma(12),
    Lzcnt(13),
    Pclmulqdq(14),
    Popcnt(15),
    ArmBase(16),
    AdvSimd(17),
    Crc32(18),
    Sha1(19),
    Sha256(20),
    Atomics(21),
    X86Base(22),
    Dp(23),
    Rdm(24),
    AvxVnni(25),
    Rcpc(26),
    Movbe(27),
    X86Serialize(28),
    Avx512F(29),
    Avx512F_VL(30),
    Avx512BW(31),
    Avx512BW_VL(32),
    Avx512CD(33),
    Avx512CD_VL(34),
    Avx512DQ(35),
    Avx512DQ_VL(36),
    Avx512Vbmi(37),
    Avx512Vbmi_VL(38),
    VectorT128(39),
    VectorT256(40),
    VectorT512(41),
    Rcpc2(42),
    Sve(43),
    Avx10v1(44),
    Avx10v1_V512(46),
    Evex(47),
    Apx(48),
    Pclmulqdq_V256(49),
    Pclmulqdq_V512(50),
    Avx10v2(51),
    Avx10v2_V512(52),
    Gfni(53),
    Gfni_V256(54),
    Gfni_V512(55),
    RiscV64Base(56),
    Zba(57),
    Zbb(58),
    Sve2(59),
    AvxVnniInt8(60),
    AvxVnniInt8_V512(61),
    AvxVnniInt16(62),
    AvxVnniInt16_V512(63),
    Aes_V256(64),
    Aes_V512(65),
    AvxIfma(66),
    F16C(67),
    Sha(68),
    WaitPkg(69),
    Avx512Bitalg(70),
    Avx512Bitalg_VL(71),
    Avx512Bf16(72),
    Avx512Bf16_VL(73),
    Avx512Fp16(74),
    Avx512Fp16_VL(75),
    Avx512Ifma(76),
    Avx512Vbmi2(77),
    Avx512Vbmi2_VL(78),
    Avx512Vnni(79),
    Avx512Vp2intersect(80),
    Avx512Vp2intersect_VL(81),
    Avx512Vpopcntdq(82),
    Avx512Vpopcntdq_VL(83),
    Zbs(84);

    public final int id;

    ReadyToRunInstructionSet(int id) {
        this.id = id;
    }

    /** The set with READYTORUN_INSTRUCTION id {@code id}, or null. */
    public static ReadyToRunInstructionSet fromId(int id) {
        for (ReadyToRunInstructionSet s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        return null;
    }

    /** The set's name, or "InstructionSet(N)" for an id the enum does not know. */
    public static String nameOf(int id) {
        ReadyToRunInstructionSet s = fromId(id);
        return s != null ? s.name() : "InstructionSet(" + id + ")";
    }

    /** One entry of a Check_InstructionSetSupport fixup: the set's id and whether the code needs it (+) or must not find it (−). */
    public record Entry(int id, boolean supported) {
        /** Decodes {@code id << 1 | supported}. */
        public static Entry of(int encoded) {
            return new Entry(encoded >>> 1, (encoded & 1) != 0);
        }

        public int encoded() {
            return id << 1 | (supported ? 1 : 0);
        }

        /** "Avx2+" or "VectorT512-". */
        @Override
        public String toString() {
            return nameOf(id) + (supported ? "+" : "-");
        }
    }

    /** The entries of a Check_InstructionSetSupport payload. */
    public static List<Entry> entries(List<Integer> encoded) {
        List<Entry> out = new ArrayList<>(encoded.size());
        for (int e : encoded) {
            out.add(Entry.of(e));
        }
        return out;
    }
}
