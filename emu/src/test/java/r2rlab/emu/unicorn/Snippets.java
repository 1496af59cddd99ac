package r2rlab.emu.unicorn;

import static r2rlab.emu.unicorn.UnicornConst.*;

/** The native-deps.md §4 test snippets and their memory layout. Bytes hand-checked with llvm-mc 14. */
final class Snippets {
    private Snippets() {
    }

    static final long CODE = 0x100000;
    static final long STUB = 0x100100;
    static final long CELL_X86 = 0x101000;
    static final long CELL_A64 = 0x101010;
    static final long STACK = 0x200000;
    static final long STACK_TOP = 0x20ff00;
    static final long TRAPS = 0x180000;

    /** mov rax,5; call qword ptr [rip+0xff3]; add rax,1. */
    static final byte[] X86_CALL = {
        0x48, (byte) 0xc7, (byte) 0xc0, 0x05, 0x00, 0x00, 0x00,
        (byte) 0xff, 0x15, (byte) 0xf3, 0x0f, 0x00, 0x00,
        0x48, (byte) 0x83, (byte) 0xc0, 0x01,
    };
    static final long X86_CALL_END = CODE + X86_CALL.length; // 0x100011
    static final long X86_RET_ADDR = 0x10000d;
    /** imul rax,rax,7; ret. */
    static final byte[] X86_STUB = {0x48, 0x6b, (byte) 0xc0, 0x07, (byte) 0xc3};

    /** movz x0,#5; adrp x11,0x101000; add x11,x11,#0x10; ldr x16,[x11]; blr x16; add x0,x0,#1. */
    static final int[] A64_CALL = {0xd28000a0, 0xb000000b, 0x9100416b, 0xf9400170, 0xd63f0200, 0x91000400};
    static final long A64_CALL_END = CODE + 4L * A64_CALL.length; // 0x100018
    static final long A64_RET_ADDR = 0x100014;
    /** movz x1,#7; mul x0,x0,x1; ret. */
    static final int[] A64_STUB = {0xd28000e1, 0x9b017c00, 0xd65f03c0};

    /** Maps code+cells (RWX) and a stack, writes the call snippet and the stub, cell -> target. */
    static Unicorn x86(long cellTarget) {
        Unicorn uc = Unicorn.x86_64();
        uc.memMap(CODE, 0x2000, UC_PROT_ALL);
        uc.memMap(STACK, 0x10000, UC_PROT_READ | UC_PROT_WRITE);
        uc.memWrite(CODE, X86_CALL);
        uc.memWrite(STUB, X86_STUB);
        uc.writeLong(CELL_X86, cellTarget);
        uc.regWrite(UC_X86_REG_RSP, STACK_TOP);
        return uc;
    }

    static Unicorn arm64(long cellTarget) {
        Unicorn uc = Unicorn.arm64();
        uc.memMap(CODE, 0x2000, UC_PROT_ALL);
        uc.memMap(STACK, 0x10000, UC_PROT_READ | UC_PROT_WRITE);
        uc.writeWords(CODE, A64_CALL);
        uc.writeWords(STUB, A64_STUB);
        uc.writeLong(CELL_A64, cellTarget);
        uc.regWrite(UC_ARM64_REG_SP, STACK_TOP);
        return uc;
    }

    static byte[] words(int... words) {
        byte[] b = new byte[words.length * 4];
        for (int i = 0; i < words.length; i++) {
            b[4 * i] = (byte) words[i];
            b[4 * i + 1] = (byte) (words[i] >>> 8);
            b[4 * i + 2] = (byte) (words[i] >>> 16);
            b[4 * i + 3] = (byte) (words[i] >>> 24);
        }
        return b;
    }
}
