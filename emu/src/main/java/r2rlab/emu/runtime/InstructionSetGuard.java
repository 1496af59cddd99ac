package r2rlab.emu.runtime;

import java.util.List;
import java.util.Set;
import r2rlab.emu.capstone.CapstoneDisassembler;
import r2rlab.format.r2r.ReadyToRunInstructionSet;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * Scans a method's code (main body, funclets, cold parts) with Capstone for instructions of sets the
 * CPU engine does not execute, for a {@link CpuProfile} that claims more than the engine: the method's
 * R2R code is then rejected before it runs, as if its fixups had failed, instead of running into an
 * INVALID_INSTRUCTION or into a VEX.128 instruction the engine computes as its legacy SSE twin. x64
 * only: no ARM64 profile claims more than the engine.
 */
final class InstructionSetGuard implements AutoCloseable {
    private final R2RImage image;
    private final Set<ReadyToRunInstructionSet> executed;
    private CapstoneDisassembler cs;

    InstructionSetGuard(R2RImage image, Set<ReadyToRunInstructionSet> executed) {
        this.image = image;
        this.executed = executed;
    }

    /** Why {@code m}'s code cannot run on the engine ("vpaddd ymm0, ... at RVA 0x1234 needs Avx (VEX.256), ..."), or null. */
    String unsupportedCode(ReadyToRunMethod m) {
        if (cs == null) {
            cs = CapstoneDisassembler.x86_64();
        }
        long base = image.pe().imageBase();
        for (int index : m.runtimeFunctions()) {
            RuntimeFunction rf = image.runtimeFunctions().get(index);
            if (rf.endRva() <= rf.beginRva()) {
                continue;
            }
            byte[] code = bytes(rf.beginRva(), (int) (rf.endRva() - rf.beginRva()));
            for (CapstoneDisassembler.Instruction i : cs.disassemble(code, base + rf.beginRva())) {
                Use use = use(i.mnemonic(), i.opStr());
                if (use != null && !executed.contains(use.set())) {
                    return String.format("%s at RVA 0x%X needs %s%s, which the emulated CPU does not execute", i.text(),
                            i.address() - base, use.set(), use.encoding());
                }
            }
        }
        return null;
    }

    private byte[] bytes(long rva, int length) {
        long off = image.pe().rvaToOffset("code", rva, length);
        return image.pe().file().bytes("code", off, length);
    }

    /** The instruction set an x64 instruction belongs to, with its encoding where that decides it. */
    record Use(ReadyToRunInstructionSet set, String encoding) {
    }

    /** Mnemonic prefixes of VEX instructions that have no legacy SSE twin: the engine faults on them. */
    private static final List<String> VEX_ONLY = List.of("vbroadcast", "vpbroadcast", "vperm", "vinsert", "vextractf128",
            "vextracti128", "vfmadd", "vfmsub", "vfnmadd", "vfnmsub", "vcvtph2ps", "vcvtps2ph", "vmaskmov", "vpmaskmov", "vpblendd",
            "vtestp", "vpsllv", "vpsrlv", "vpsrav", "vgather", "vpgather", "vblendv", "vpblendvb", "vpdp");

    /**
     * The set of an x64 instruction the engine does not execute as the architecture defines, or null.
     * EVEX (zmm, opmask) is AVX-512 and VEX.256 (ymm) AVX: both fault. A VEX.128 instruction runs as
     * its legacy SSE twin, which takes the destination as first source: it computes the right result
     * when it has at most two operands or its first source is its destination ({@code vxorps xmm0,
     * xmm0, xmm0}), a wrong one otherwise ({@code vpaddd xmm0, xmm1, xmm2} adds xmm2 to xmm0), and
     * faults when it has no twin (FMA, broadcasts, permutes). Scalar extensions go by mnemonic.
     */
    static Use use(String mnemonic, String opStr) {
        if (opStr.contains("zmm") || opStr.contains("{k")) {
            return new Use(ReadyToRunInstructionSet.Avx512F, " (EVEX)");
        }
        if (opStr.contains("ymm")) {
            return new Use(ReadyToRunInstructionSet.Avx, " (VEX.256)");
        }
        if (mnemonic.startsWith("v") && opStr.contains("xmm")) {
            for (String p : VEX_ONLY) {
                if (mnemonic.startsWith(p)) {
                    return new Use(ReadyToRunInstructionSet.Avx, " (VEX.128 without an SSE twin)");
                }
            }
            List<String> ops = CapstoneDisassembler.operands(opStr);
            return ops.size() >= 3 && !ops.get(0).equals(ops.get(1))
                    ? new Use(ReadyToRunInstructionSet.Avx, " (VEX.128 with a first source apart from its destination)") : null;
        }
        switch (mnemonic) {
            case "popcnt":
                return new Use(ReadyToRunInstructionSet.Popcnt, "");
            case "movbe":
                return new Use(ReadyToRunInstructionSet.Movbe, "");
            case "pclmulqdq":
                return new Use(ReadyToRunInstructionSet.Pclmulqdq, "");
            case "pdep":
            case "pext":
            case "bzhi":
            case "mulx":
            case "rorx":
            case "sarx":
            case "shlx":
            case "shrx":
                return new Use(ReadyToRunInstructionSet.Bmi2, "");
            case "andn":
            case "bextr":
            case "blsi":
            case "blsmsk":
            case "blsr":
            case "tzcnt":
                return new Use(ReadyToRunInstructionSet.Bmi1, "");
            case "lzcnt":
                return new Use(ReadyToRunInstructionSet.Lzcnt, "");
            case "serialize":
                return new Use(ReadyToRunInstructionSet.X86Serialize, "");
            default:
                if (mnemonic.startsWith("aes")) {
                    return new Use(ReadyToRunInstructionSet.Aes, "");
                }
                if (mnemonic.startsWith("sha1") || mnemonic.startsWith("sha256")) {
                    return new Use(ReadyToRunInstructionSet.Sha, "");
                }
                return null;
        }
    }

    @Override
    public void close() {
        if (cs != null) {
            cs.close();
        }
    }
}
