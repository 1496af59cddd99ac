package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.EmuTimeoutException;
import r2rlab.emu.unicorn.FaultLocator;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.emu.unicorn.UcException;
import r2rlab.emu.unicorn.UnicornConst;
import r2rlab.loader.runtime.ImportSectionAssertionFailure;
import r2rlab.loader.runtime.MethodDesc;
import r2rlab.loader.runtime.RuntimeMemoryFault;

/**
 * What went wrong in an emulated run, for a human: the kind of fault, the exact faulting PC (Unicorn
 * only reports the start of the translation block, so {@link #capture} re-runs with a code hook over
 * that block, as {@link FaultLocator} documents), the faulting data address, the registers at the
 * faulting instruction, the frames ({@link StackWalker} from the fault point; at least the faulting
 * method through the code manager) and a Capstone disassembly around the PC with the faulting
 * instruction marked. {@link #toString()} renders it.
 */
public final class FaultReport {
    /** The kind of fault. */
    public enum Kind {
        READ_UNMAPPED, WRITE_UNMAPPED, FETCH_UNMAPPED, READ_PROTECTED, WRITE_PROTECTED, FETCH_PROTECTED, UNALIGNED_ACCESS,
        INVALID_INSTRUCTION, CPU_EXCEPTION,
        /** A runtime assertion failed in a trap handler (e.g. ExternalMethodFixupWorker's import-section assert). */
        RUNTIME_ASSERTION,
        /** Another exception thrown by the emulated runtime (a helper or trap handler). */
        RUNTIME_ERROR,
        /** The run exceeded its time budget. */
        TIMEOUT,
        /** Any other emulator error. */
        EMULATOR_ERROR
    }

    /** One disassembled instruction around the PC; {@code marked} is the faulting (or calling) instruction. */
    public record Instruction(ImageDisassembler.Line line, boolean marked) {
    }

    private final Kind kind;
    private final Throwable cause;
    private final long pc;
    private final boolean pcExact;
    private final long blockPc;
    private final long faultAddress;
    private final String location;
    private final FrameRegisters registers;
    private final StackWalker.Walk walk;
    private final Frame faultingFrame;
    private final List<Instruction> disassembly;
    private final String disassemblyNote;
    private final List<String> registerNotes;

    private FaultReport(Kind kind, Throwable cause, long pc, boolean pcExact, long blockPc, long faultAddress, String location,
            FrameRegisters registers, StackWalker.Walk walk, Frame faultingFrame, List<Instruction> disassembly,
            String disassemblyNote, List<String> registerNotes) {
        this.kind = kind;
        this.cause = cause;
        this.pc = pc;
        this.pcExact = pcExact;
        this.blockPc = blockPc;
        this.faultAddress = faultAddress;
        this.location = location;
        this.registers = registers;
        this.walk = walk;
        this.faultingFrame = faultingFrame;
        this.disassembly = disassembly;
        this.disassemblyNote = disassemblyNote;
        this.registerNotes = registerNotes;
    }

    /**
     * Runs {@code run} (e.g. {@code () -> rt.call(token)}) and reports how it failed, or returns null
     * when it completed. A guest fault is located exactly by running {@code run} a second time with a
     * code hook over the faulting block (the re-run starts from the same call; memory is not restored,
     * so the run must fault deterministically — see {@link FaultLocator}'s caveats). Only the exception
     * kinds a run can end with are caught: {@link UcException}, {@link EmuTimeoutException} and
     * exceptions thrown by the runtime's trap handlers.
     */
    public static FaultReport capture(EmulatedRuntime rt, Runnable run) {
        CpuEngine uc = rt.engine();
        UcException.MemAccess[] access = {null};
        long memHook = uc.hookMemInvalid((u, type, address, size, value) -> {
            access[0] = new UcException.MemAccess(type, address, size, value);
            return false;
        });
        try {
            try {
                run.run();
                return null;
            } catch (UcException e) {
                if (e.pc() == -1 && inTrapPage(rt, uc.pc())) {
                    return inHelper(rt, e, e.access()); // a helper's own access to guest memory failed
                }
                if (!e.isGuestFault() || e.pc() == -1) {
                    return build(rt, e, FrameRegisters.read(uc), e.pc(), false, e.pc(), access[0]);
                }
                if (e.faultPc() != -1) {
                    return build(rt, e, FrameRegisters.read(uc), e.faultPc(), true, e.pc(), access[0]);
                }
                UcException.MemAccess firstAccess = access[0];
                FrameRegisters afterFault = FrameRegisters.read(uc);
                long block = e.pc();
                rt.guest().remap(); // the re-run translates the image's code again, under the hook
                long[] last = {-1};
                FrameRegisters[] at = {null};
                long hook = uc.hookCode(block, block + FaultLocator.MAX_BLOCK_BYTES - 1, (u, address, size) -> {
                    last[0] = address;
                    at[0] = FrameRegisters.read(u);
                });
                UcException again = null;
                try {
                    run.run();
                } catch (UcException e2) {
                    again = e2;
                } catch (RuntimeException other) {
                    again = null;
                } finally {
                    uc.hookDel(hook);
                }
                if (again != null && again.error() == e.error() && last[0] != -1 && at[0] != null) {
                    FrameRegisters exact = at[0];
                    exact.setPc(last[0]);
                    return build(rt, e.withFaultPc(last[0]), exact, last[0], true, block, access[0] != null ? access[0] : firstAccess);
                }
                // The hook never fired (e.g. a fetch from unmapped memory, where the block start is the bad target).
                boolean exact = again != null && again.pc() == block && last[0] == -1;
                return build(rt, exact ? e.withFaultPc(block) : e, afterFault, block, exact, block, firstAccess);
            } catch (EmuTimeoutException e) {
                return build(rt, e, FrameRegisters.read(uc), e.pc(), false, e.pc(), null);
            } catch (RuntimeException e) {
                return inHelper(rt, e, access[0]);
            }
        } finally {
            uc.hookDel(memHook);
        }
    }

    /**
     * A report of an exception a trap handler (a runtime helper) threw: at the guest instruction that called the
     * helper, exactly ({@link StackWalker#callSite}); at the helper's trap slot when the runtime itself called it.
     */
    private static FaultReport inHelper(EmulatedRuntime rt, RuntimeException e, UcException.MemAccess access) {
        FrameRegisters regs = FrameRegisters.read(rt.engine());
        long trap = regs.pc();
        FrameRegisters caller = inTrapPage(rt, trap) ? StackWalker.callSite(rt, regs) : null;
        if (caller == null) {
            return build(rt, e, regs, trap, true, trap, access);
        }
        return build(rt, e, caller, caller.pc(), true, trap, access);
    }

    private static boolean inTrapPage(EmulatedRuntime rt, long pc) {
        return pc >= rt.traps().base() && pc < rt.traps().base() + TrapPage.PAGE_SIZE;
    }

    /** A report from an exception a run threw, with the guest state as it is now (no re-run: the PC may be a block start). */
    public static FaultReport of(EmulatedRuntime rt, Throwable t) {
        CpuEngine uc = rt.engine();
        if (t instanceof UcException) {
            UcException e = (UcException) t;
            boolean exact = e.faultPc() != -1;
            return build(rt, e, FrameRegisters.read(uc), exact ? e.faultPc() : e.pc(), exact, e.pc(), e.access());
        }
        if (t instanceof EmuTimeoutException) {
            return build(rt, t, FrameRegisters.read(uc), ((EmuTimeoutException) t).pc(), false, ((EmuTimeoutException) t).pc(), null);
        }
        return build(rt, t, FrameRegisters.read(uc), uc.pc(), true, uc.pc(), null);
    }

    private static Kind kindOf(Throwable t) {
        if (t instanceof EmuTimeoutException) {
            return Kind.TIMEOUT;
        }
        if (t instanceof UcException) {
            switch (((UcException) t).error()) {
                case UnicornConst.UC_ERR_READ_UNMAPPED:
                    return Kind.READ_UNMAPPED;
                case UnicornConst.UC_ERR_WRITE_UNMAPPED:
                    return Kind.WRITE_UNMAPPED;
                case UnicornConst.UC_ERR_FETCH_UNMAPPED:
                    return Kind.FETCH_UNMAPPED;
                case UnicornConst.UC_ERR_READ_PROT:
                    return Kind.READ_PROTECTED;
                case UnicornConst.UC_ERR_WRITE_PROT:
                    return Kind.WRITE_PROTECTED;
                case UnicornConst.UC_ERR_FETCH_PROT:
                    return Kind.FETCH_PROTECTED;
                case UnicornConst.UC_ERR_READ_UNALIGNED:
                case UnicornConst.UC_ERR_WRITE_UNALIGNED:
                case UnicornConst.UC_ERR_FETCH_UNALIGNED:
                    return Kind.UNALIGNED_ACCESS;
                case UnicornConst.UC_ERR_INSN_INVALID:
                    return Kind.INVALID_INSTRUCTION;
                case UnicornConst.UC_ERR_EXCEPTION:
                    return Kind.CPU_EXCEPTION;
                default:
                    return Kind.EMULATOR_ERROR;
            }
        }
        if (t instanceof RuntimeMemoryFault f) {
            return f.access() == RuntimeMemoryFault.Access.MISALIGNED ? Kind.UNALIGNED_ACCESS : Kind.READ_UNMAPPED;
        }
        if (t instanceof ImportSectionAssertionFailure || t instanceof AssertionError
                || String.valueOf(t.getMessage()).startsWith("ASSERT FAILED")) {
            return Kind.RUNTIME_ASSERTION;
        }
        return Kind.RUNTIME_ERROR;
    }

    private static FaultReport build(EmulatedRuntime rt, Throwable t, FrameRegisters regs, long pc, boolean exact, long blockPc,
            UcException.MemAccess access) {
        Kind kind = kindOf(t);
        long faultAddress = -1;
        if (access != null) {
            faultAddress = access.address();
        } else if (kind == Kind.FETCH_UNMAPPED || kind == Kind.FETCH_PROTECTED) {
            faultAddress = pc;
        } else if (t instanceof ImportSectionAssertionFailure) {
            faultAddress = rt.imageBase() + ((ImportSectionAssertionFailure) t).cellRva();
        } else if (t instanceof RuntimeMemoryFault f) {
            faultAddress = f.address();
        }
        FrameRegisters start = regs.copy();
        start.setPc(pc);
        StackWalker.Walk walk;
        try {
            walk = StackWalker.from(rt, start);
        } catch (RuntimeException e) {
            walk = new StackWalker.Walk(List.of(), null, "stack walk failed: " + e);
        }
        ImageSymbols syms = new ImageSymbols(rt.image());
        String location;
        if (StackWalker.inImage(rt, pc)) {
            String d = syms.describe(pc - rt.imageBase());
            location = d == null ? String.format("image RVA 0x%X", pc - rt.imageBase()) : d;
        } else {
            location = StackWalker.outsideName(rt, pc);
        }
        Frame faulting = null;
        for (Frame f : walk.frames()) {
            if (f.method() != null) {
                faulting = f;
                break;
            }
        }
        if (faulting == null && StackWalker.inImage(rt, pc)) {
            faulting = StackWalker.symbolize(rt, syms, pc, 0, regs.sp(), false);
        }
        List<Instruction> dis = new ArrayList<>();
        String disNote = disassemble(rt, walk, pc, dis);
        List<String> notes = new ArrayList<>();
        long base = rt.imageBase();
        int n = regs.isArm64() ? 32 : 16;
        for (int i = 0; i < n; i++) {
            long v = regs.get(i);
            if (StackWalker.inImage(rt, v)) {
                String d = syms.describe(v - base);
                if (d != null) {
                    notes.add(FrameRegisters.name(regs.isArm64(), i) + " = " + d);
                }
            }
        }
        return new FaultReport(kind, t, pc, exact, blockPc, faultAddress, location, regs, walk, faulting,
                Collections.unmodifiableList(dis), disNote, Collections.unmodifiableList(notes));
    }

    /** Disassembles around the PC if it is image code, else around the first in-image frame's call site. */
    private static String disassemble(EmulatedRuntime rt, StackWalker.Walk walk, long pc, List<Instruction> out) {
        long base = rt.imageBase();
        long at = pc;
        boolean callSite = false;
        if (!StackWalker.inImage(rt, pc)) {
            at = -1;
            for (Frame f : walk.frames()) {
                if (f.rva() >= 0) {
                    at = f.ip();
                    callSite = true;
                    break;
                }
            }
            if (at == -1) {
                return "no image code to disassemble";
            }
        }
        try (ImageDisassembler d = new ImageDisassembler(rt.image())) {
            ImageSymbols syms = d.symbols();
            long rva = at - base;
            long lookup = callSite ? rva - 1 : rva;
            long start;
            long end;
            var rf = syms.runtimeFunction(lookup);
            if (rf != null) {
                start = rf.beginRva();
                end = rf.endRva() >= 0 ? rf.endRva() : rva + 32;
            } else {
                long thunk = syms.thunkContaining(lookup);
                start = thunk >= 0 ? thunk : Math.max(0, lookup - (rt.abi().isArm64() ? 16 : 0));
                end = rva + 48;
            }
            int len = (int) (end - start);
            byte[] code = rt.engine().memRead(base + start, len); // the guest's bytes, as executed
            List<ImageDisassembler.Line> lines = d.disassemble(code, start);
            int mark = -1;
            for (int i = 0; i < lines.size(); i++) {
                ImageDisassembler.Line l = lines.get(i);
                if (callSite ? l.rva() + l.size() == rva : l.rva() == rva) {
                    mark = i;
                }
            }
            int from = Math.max(0, (mark < 0 ? lines.size() : mark) - 5);
            int to = Math.min(lines.size(), (mark < 0 ? from + 10 : mark + 6));
            for (int i = from; i < to; i++) {
                out.add(new Instruction(lines.get(i), i == mark));
            }
            if (mark < 0) {
                return String.format("0x%X is not at an instruction boundary of the disassembly from 0x%X", at, base + start);
            }
            return callSite ? String.format("the PC is outside the image; the call site in the first image frame is marked (returns to 0x%X)", at) : "";
        } catch (RuntimeException e) {
            return "disassembly failed: " + e;
        }
    }

    public Kind kind() {
        return kind;
    }

    /** The exception the run ended with. */
    public Throwable cause() {
        return cause;
    }

    /** Its message (for a runtime assertion: the assertion text). */
    public String message() {
        return String.valueOf(cause.getMessage());
    }

    /** The faulting instruction's address (for a fetch fault: the bad target; for a trap handler's exception: the trap). */
    public long pc() {
        return pc;
    }

    /** Whether {@link #pc()} is the exact instruction (false: only the translation block start was known). */
    public boolean pcExact() {
        return pcExact;
    }

    /** The translation block start Unicorn reported. */
    public long blockPc() {
        return blockPc;
    }

    /** The faulting data address (the unmapped address; for the import-section assert, the cell x11/rax named), or -1. */
    public long faultAddress() {
        return faultAddress;
    }

    /** Where the PC is: "Demo.Calls.Main+0x1C", an import thunk, a runtime helper, or unmapped code. */
    public String location() {
        return location;
    }

    /** The registers at the faulting instruction. */
    public FrameRegisters registers() {
        return registers;
    }

    /** The stack walk from the fault point. */
    public StackWalker.Walk walk() {
        return walk;
    }

    /** The innermost frame the code manager attributes to a method (the faulting method, or the caller of a thunk / helper), or null. */
    public Frame faultingFrame() {
        return faultingFrame;
    }

    /** The faulting method as the code manager sees it, or null. */
    public MethodDesc faultingMethod() {
        return faultingFrame == null ? null : faultingFrame.method();
    }

    public List<Instruction> disassembly() {
        return disassembly;
    }

    /** The marked instruction, or null. */
    public ImageDisassembler.Line markedInstruction() {
        for (Instruction i : disassembly) {
            if (i.marked()) {
                return i.line();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        String nl = System.lineSeparator();
        StringBuilder sb = new StringBuilder();
        sb.append("FAULT: ").append(kind).append(nl);
        sb.append("  ").append(message()).append(nl);
        sb.append(String.format("  pc:      0x%X%s  in %s%n", pc, pcExact ? "" : " (translation block start; exact instruction unknown)", location));
        if (blockPc != pc && blockPc != -1) {
            sb.append(String.format("  block:   0x%X (as Unicorn reported it)%n", blockPc));
        }
        if (faultAddress != -1) {
            sb.append(String.format("  address: 0x%X%n", faultAddress));
            if (faultAddress >= EmulatedRuntime.STACK_BASE - EmulatedRuntime.STACK_GUARD && faultAddress < EmulatedRuntime.STACK_BASE) {
                sb.append(String.format("  stack overflow: the address is in the guard below the %d KiB stack at 0x%X%n",
                        EmulatedRuntime.STACK_SIZE >> 10, EmulatedRuntime.STACK_BASE));
            }
        }
        sb.append("  method:  ").append(faultingFrame == null ? "<none: no frame maps to a method>"
                : faultingFrame.method() == null ? "<none>" : faultingFrame.method().name()
                        + (faultingFrame.index() == 0 ? "" : " (frame #" + faultingFrame.index() + ", caller of the faulting code)")).append(nl);
        sb.append("Registers:").append(nl).append(registers.render());
        for (String n : registerNotes) {
            sb.append("  ; ").append(n).append(nl);
        }
        sb.append("Frames:").append(nl);
        for (Frame f : walk.frames()) {
            sb.append("  ").append(f).append(nl);
        }
        if (walk.terminal() != null) {
            sb.append("  -> ").append(walk.terminal()).append(nl);
        }
        if (walk.error() != null) {
            sb.append("  walk error: ").append(walk.error()).append(nl);
        }
        sb.append("Disassembly:").append(nl);
        if (!disassemblyNote.isEmpty()) {
            sb.append("  (").append(disassemblyNote).append(')').append(nl);
        }
        for (Instruction i : disassembly) {
            ImageDisassembler.Line l = i.line();
            sb.append(i.marked() ? "=> " : "   ").append(String.format("%016X  %-40s%s", l.address(), l.text(),
                    l.annotation().isEmpty() ? "" : " ; " + l.annotation())).append(nl);
        }
        return sb.toString();
    }
}
