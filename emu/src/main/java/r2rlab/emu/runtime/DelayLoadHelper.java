package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X11;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X16;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X30;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X9;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RAX;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapHandler;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.runtime.ExternalMethodFixupWorker;
import r2rlab.loader.runtime.ReadyToRunInfo;

/**
 * DelayLoad_MethodCall, the helper every delay-load thunk jumps to. x64 finds the cell from the call
 * site (RAX = 0: the int32 before the return address) or takes it from RAX (a tail jump through an
 * existing indirection cell), the thunk pushed the section index and the Module*; ARM64 passes the
 * cell in x11, the section in x9 and the Module* in x10. The {@link ExternalMethodFixupWorker}
 * resolves the fixup and the cell is patched, then the call continues at the target with the
 * caller's arguments.
 */
final class DelayLoadHelper implements TrapHandler {
    private final CpuEngine engine;
    private final ReadyToRunInfo info;
    private final ExternalMethodFixupWorker worker;
    private final GuestImage guest;
    private final TieringDriver tiering;
    private final Consumer<String> events;
    /** Runs first with the cell (RVA) and its import section: DelayLoad_MethodCall is a safepoint. */
    private final BiConsumer<Long, Integer> safePoint;

    DelayLoadHelper(CpuEngine engine, ReadyToRunInfo info, GuestImage guest, TieringDriver tiering, Consumer<String> events,
                    BiConsumer<Long, Integer> safePoint) {
        this.engine = engine;
        this.info = info;
        this.worker = new ExternalMethodFixupWorker(info);
        this.guest = guest;
        this.tiering = tiering;
        this.events = events;
        this.safePoint = safePoint;
    }

    @Override
    public void onTrap(TrapCall call) {
        long cell;
        int section;
        if (engine.isArm64()) {
            cell = engine.regRead(UC_ARM64_REG_X11);
            section = (int) engine.regRead(UC_ARM64_REG_X9);
        } else {
            long rsp = engine.regRead(UC_X86_REG_RSP);
            section = (int) engine.readLong(rsp + 8);
            long rax = engine.regRead(UC_X86_REG_RAX);
            if (rax != 0) {
                cell = rax;
            } else {
                long returnAddress = engine.readLong(rsp + 16);
                cell = returnAddress + engine.readInt(returnAddress - 4);
            }
        }
        safePoint.accept(cell - guest.base(), section);
        long loaded = engine.isArm64() ? loadedCell() : -1;
        // Resolve before popping the thunk's two pushes, so a failure is reported with the frame intact.
        long target = tiering.cellTarget(worker.resolve(cell - guest.base(), section));
        if (!engine.isArm64()) {
            engine.regWrite(UC_X86_REG_RSP, engine.regRead(UC_X86_REG_RSP) + 16);
        }
        engine.writeLong(cell, target);
        guest.syncCells(info);
        events.accept(String.format("DelayLoad_MethodCall cell 0x%X (section %d) -> 0x%X", cell - guest.base(), section, target));
        if (loaded != -1 && loaded != cell) {
            throw new StaleIndirectionCell(describe(cell), describe(loaded));
        }
        call.jumpTo(target);
    }

    private static final int BLR_X16 = 0xD63F0200;

    /**
     * ARM64: the cell the call site loaded its target from, read from the instructions before the return address:
     * {@code adrp x11, cell; add x11, x11, :lo12:cell; ldr x16, [x11]; blr x16} (the protocol) or {@code adrp x16,
     * cell; ldr x16, [x16, :lo12:cell]; blr x16} (B2's helper call). -1 for any other site, and when that cell no
     * longer leads to the thunk (a tail jump leaves no return address of its own).
     */
    private long loadedCell() {
        long lr = engine.regRead(UC_ARM64_REG_X30);
        if (!guest.contains(lr - 16) || !guest.contains(lr - 1)) {
            return -1;
        }
        int[] w = new int[4];
        for (int i = 0; i < 4; i++) {
            w[i] = engine.readInt(lr - 16 + 4L * i);
        }
        if (w[3] != BLR_X16) {
            return -1;
        }
        long loaded;
        if (isAdrp(w[1], 16) && isLdr(w[2], 16, 16)) {
            loaded = adrpPage(w[1], lr - 12) + ldrOffset(w[2]);
        } else if (isAdrp(w[0], 11) && (w[1] & 0xFFC003FF) == (0x91000000 | 11 << 5 | 11) && isLdr(w[2], 16, 11)) {
            loaded = adrpPage(w[0], lr - 16) + ((w[1] >>> 10) & 0xFFF) + ldrOffset(w[2]);
        } else {
            return -1;
        }
        // That call came here only if its cell still leads where x16 went: a resolved cell means the call reached
        // its method, and this helper was reached by a tail jump further on (LR is still the call's).
        return guest.contains(loaded) && engine.readLong(loaded) == engine.regRead(UC_ARM64_REG_X16) ? loaded : -1;
    }

    private static boolean isAdrp(int w, int rd) {
        return (w & 0x9F00001F) == (0x90000000 | rd);
    }

    /** The page ADRP at {@code pc} computes: (pc & ~0xFFF) + (immhi:immlo << 12). */
    private static long adrpPage(int w, long pc) {
        long imm = ((long) ((w >>> 5) & 0x7FFFF) << 2 | (w >>> 29) & 3) << 43 >> 31; // sign-extend 21 bits, then << 12
        return (pc & ~0xFFFL) + imm;
    }

    /** {@code ldr x<rt>, [x<rn>, #imm12 * 8]} (unsigned offset). */
    private static boolean isLdr(int w, int rt, int rn) {
        return (w & 0xFFC003FF) == (0xF9400000 | rn << 5 | rt);
    }

    private static long ldrOffset(int w) {
        return 8L * ((w >>> 10) & 0xFFF);
    }

    /** "ImportSection S[I] (RVA 0x..., signature)" for a cell address. */
    private String describe(long cellAddress) {
        long rva = cellAddress - guest.base();
        for (ImportSection s : info.image().importSections()) {
            if (s.containsRva(rva)) {
                int index = (int) ((rva - s.rva()) / s.cellSize(info.image().pe().pointerSize()));
                ImportCell c = s.cells().get(index);
                return String.format("ImportSection %d[%d] (RVA 0x%X, %s)", s.index(), index, rva,
                        c.signature() == null ? "no signature" : c.signatureText());
            }
        }
        return String.format("RVA 0x%X (in no import section)", rva);
    }
}
