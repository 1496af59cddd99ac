package r2rlab.emu.unicorn;

/**
 * Constants of the Unicorn 2 C API (values as in unicorn.h, x86.h and arm64.h of Unicorn 2.0.x, the
 * version Debian bookworm ships as libunicorn.so.2 2.0.1). Only the subset the project uses.
 */
public final class UnicornConst {
    private UnicornConst() {
    }

    // ---- uc_arch ----
    public static final int UC_ARCH_ARM = 1;
    public static final int UC_ARCH_ARM64 = 2;
    public static final int UC_ARCH_MIPS = 3;
    public static final int UC_ARCH_X86 = 4;

    // ---- uc_mode ----
    public static final int UC_MODE_LITTLE_ENDIAN = 0;
    public static final int UC_MODE_ARM = 0;
    public static final int UC_MODE_32 = 1 << 2;
    public static final int UC_MODE_64 = 1 << 3;

    // ---- uc_err ----
    public static final int UC_ERR_OK = 0;
    public static final int UC_ERR_NOMEM = 1;
    public static final int UC_ERR_ARCH = 2;
    public static final int UC_ERR_HANDLE = 3;
    public static final int UC_ERR_MODE = 4;
    public static final int UC_ERR_VERSION = 5;
    public static final int UC_ERR_READ_UNMAPPED = 6;
    public static final int UC_ERR_WRITE_UNMAPPED = 7;
    public static final int UC_ERR_FETCH_UNMAPPED = 8;
    public static final int UC_ERR_HOOK = 9;
    public static final int UC_ERR_INSN_INVALID = 10;
    public static final int UC_ERR_MAP = 11;
    public static final int UC_ERR_WRITE_PROT = 12;
    public static final int UC_ERR_READ_PROT = 13;
    public static final int UC_ERR_FETCH_PROT = 14;
    public static final int UC_ERR_ARG = 15;
    public static final int UC_ERR_READ_UNALIGNED = 16;
    public static final int UC_ERR_WRITE_UNALIGNED = 17;
    public static final int UC_ERR_FETCH_UNALIGNED = 18;
    public static final int UC_ERR_HOOK_EXIST = 19;
    public static final int UC_ERR_RESOURCE = 20;
    public static final int UC_ERR_EXCEPTION = 21;

    // ---- uc_mem_type (the type argument of memory hooks) ----
    public static final int UC_MEM_READ = 16;
    public static final int UC_MEM_WRITE = 17;
    public static final int UC_MEM_FETCH = 18;
    public static final int UC_MEM_READ_UNMAPPED = 19;
    public static final int UC_MEM_WRITE_UNMAPPED = 20;
    public static final int UC_MEM_FETCH_UNMAPPED = 21;
    public static final int UC_MEM_WRITE_PROT = 22;
    public static final int UC_MEM_READ_PROT = 23;
    public static final int UC_MEM_FETCH_PROT = 24;
    public static final int UC_MEM_READ_AFTER = 25;

    // ---- uc_hook_type ----
    public static final int UC_HOOK_INTR = 1;
    public static final int UC_HOOK_INSN = 1 << 1;
    public static final int UC_HOOK_CODE = 1 << 2;
    public static final int UC_HOOK_BLOCK = 1 << 3;
    public static final int UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
    public static final int UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
    public static final int UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
    public static final int UC_HOOK_MEM_READ_PROT = 1 << 7;
    public static final int UC_HOOK_MEM_WRITE_PROT = 1 << 8;
    public static final int UC_HOOK_MEM_FETCH_PROT = 1 << 9;
    public static final int UC_HOOK_MEM_READ = 1 << 10;
    public static final int UC_HOOK_MEM_WRITE = 1 << 11;
    public static final int UC_HOOK_MEM_FETCH = 1 << 12;
    public static final int UC_HOOK_MEM_READ_AFTER = 1 << 13;
    public static final int UC_HOOK_INSN_INVALID = 1 << 14;
    public static final int UC_HOOK_MEM_UNMAPPED =
            UC_HOOK_MEM_READ_UNMAPPED + UC_HOOK_MEM_WRITE_UNMAPPED + UC_HOOK_MEM_FETCH_UNMAPPED;
    public static final int UC_HOOK_MEM_PROT =
            UC_HOOK_MEM_READ_PROT + UC_HOOK_MEM_WRITE_PROT + UC_HOOK_MEM_FETCH_PROT;
    public static final int UC_HOOK_MEM_INVALID = UC_HOOK_MEM_UNMAPPED + UC_HOOK_MEM_PROT;

    // ---- uc_query_type ----
    public static final int UC_QUERY_MODE = 1;
    public static final int UC_QUERY_PAGE_SIZE = 2;
    public static final int UC_QUERY_ARCH = 3;
    public static final int UC_QUERY_TIMEOUT = 4;

    // ---- uc_prot ----
    public static final int UC_PROT_NONE = 0;
    public static final int UC_PROT_READ = 1;
    public static final int UC_PROT_WRITE = 2;
    public static final int UC_PROT_EXEC = 4;
    public static final int UC_PROT_ALL = 7;

    // ---- uc_x86_reg (x86-64 general-purpose subset) ----
    public static final int UC_X86_REG_EFLAGS = 25;
    public static final int UC_X86_REG_RAX = 35;
    public static final int UC_X86_REG_RBP = 36;
    public static final int UC_X86_REG_RBX = 37;
    public static final int UC_X86_REG_RCX = 38;
    public static final int UC_X86_REG_RDI = 39;
    public static final int UC_X86_REG_RDX = 40;
    public static final int UC_X86_REG_RIP = 41;
    public static final int UC_X86_REG_RSI = 43;
    public static final int UC_X86_REG_RSP = 44;
    public static final int UC_X86_REG_R8 = 106;
    public static final int UC_X86_REG_R9 = 107;
    public static final int UC_X86_REG_R10 = 108;
    public static final int UC_X86_REG_R11 = 109;
    public static final int UC_X86_REG_R12 = 110;
    public static final int UC_X86_REG_R13 = 111;
    public static final int UC_X86_REG_R14 = 112;
    public static final int UC_X86_REG_R15 = 113;
    public static final int UC_X86_REG_FS_BASE = 250;
    public static final int UC_X86_REG_GS_BASE = 251;
    public static final int UC_X86_REG_RFLAGS = 253;

    // ---- uc_arm64_reg (subset) ----
    public static final int UC_ARM64_REG_X29 = 1;
    public static final int UC_ARM64_REG_X30 = 2;
    public static final int UC_ARM64_REG_NZCV = 3;
    public static final int UC_ARM64_REG_SP = 4;
    public static final int UC_ARM64_REG_XZR = 7;
    /** X0..X28 are consecutive from here: X(n) = UC_ARM64_REG_X0 + n for n in 0..28. */
    public static final int UC_ARM64_REG_X0 = 199;
    public static final int UC_ARM64_REG_PC = 260;
    public static final int UC_ARM64_REG_FP = UC_ARM64_REG_X29;
    public static final int UC_ARM64_REG_LR = UC_ARM64_REG_X30;

    /** Unicorn register id of ARM64 X{@code n}, n in 0..30 (X29 and X30 are not in the X0 run). */
    public static int arm64X(int n) {
        if (n < 0 || n > 30) {
            throw new IllegalArgumentException("no register X" + n);
        }
        if (n == 29) {
            return UC_ARM64_REG_X29;
        }
        if (n == 30) {
            return UC_ARM64_REG_X30;
        }
        return UC_ARM64_REG_X0 + n;
    }

    public static final int UC_ARM64_REG_X1 = 200;
    public static final int UC_ARM64_REG_X2 = 201;
    public static final int UC_ARM64_REG_X3 = 202;
    public static final int UC_ARM64_REG_X4 = 203;
    public static final int UC_ARM64_REG_X5 = 204;
    public static final int UC_ARM64_REG_X6 = 205;
    public static final int UC_ARM64_REG_X7 = 206;
    public static final int UC_ARM64_REG_X8 = 207;
    public static final int UC_ARM64_REG_X9 = 208;
    public static final int UC_ARM64_REG_X10 = 209;
    public static final int UC_ARM64_REG_X11 = 210;
    public static final int UC_ARM64_REG_X12 = 211;
    public static final int UC_ARM64_REG_X13 = 212;
    public static final int UC_ARM64_REG_X14 = 213;
    public static final int UC_ARM64_REG_X15 = 214;
    public static final int UC_ARM64_REG_X16 = 215;
    public static final int UC_ARM64_REG_X17 = 216;
    public static final int UC_ARM64_REG_X18 = 217;
    public static final int UC_ARM64_REG_X19 = 218;
    public static final int UC_ARM64_REG_X20 = 219;
    public static final int UC_ARM64_REG_X21 = 220;
    public static final int UC_ARM64_REG_X22 = 221;
    public static final int UC_ARM64_REG_X23 = 222;
    public static final int UC_ARM64_REG_X24 = 223;
    public static final int UC_ARM64_REG_X25 = 224;
    public static final int UC_ARM64_REG_X26 = 225;
    public static final int UC_ARM64_REG_X27 = 226;
    public static final int UC_ARM64_REG_X28 = 227;
}
