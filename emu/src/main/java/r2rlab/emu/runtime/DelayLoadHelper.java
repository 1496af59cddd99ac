package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X11;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X9;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RAX;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import java.util.function.Consumer;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapHandler;
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

    DelayLoadHelper(CpuEngine engine, ReadyToRunInfo info, GuestImage guest, TieringDriver tiering, Consumer<String> events) {
        this.engine = engine;
        this.info = info;
        this.worker = new ExternalMethodFixupWorker(info);
        this.guest = guest;
        this.tiering = tiering;
        this.events = events;
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
        // Resolve before popping the thunk's two pushes, so a failure is reported with the frame intact.
        long target = tiering.cellTarget(worker.resolve(cell - guest.base(), section));
        if (!engine.isArm64()) {
            engine.regWrite(UC_X86_REG_RSP, engine.regRead(UC_X86_REG_RSP) + 16);
        }
        engine.writeLong(cell, target);
        guest.syncCells(info);
        events.accept(String.format("DelayLoad_MethodCall cell 0x%X (section %d) -> 0x%X", cell - guest.base(), section, target));
        call.jumpTo(target);
    }
}
