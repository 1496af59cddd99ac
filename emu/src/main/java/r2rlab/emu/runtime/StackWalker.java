package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.CodeInfo;
import r2rlab.loader.runtime.MethodDesc;

/**
 * Walks the emulated managed frames with the image's unwind data (x64 UNWIND_INFO codes, ARM64
 * .xdata codes; see {@link FrameUnwinder}) and attributes each frame the way the runtime does: through
 * the code manager ({@code ReadyToRunJitManager.jitCodeToMethodInfo}), which walks back to the nearest
 * <em>registered</em> entry point. Where that answer differs from what the image lists for the code
 * (an unregistered resumption stub is taken for a funclet of the method before it), the frame is
 * reported as the code manager sees it and flagged {@link Frame.Flag#MISATTRIBUTED}.
 *
 * <p>The walk ends when a return address leaves the image: at the runtime's exit trap (the normal
 * end) or elsewhere (an error). An IP with no runtime function or no MethodDesc is an error of the
 * {@link Walk}, never an exception.
 */
public final class StackWalker {
    /** Frames beyond this depth are not walked (a corrupt stack cannot loop forever). */
    public static final int MAX_FRAMES = 256;
    /** The exit trap's name in the runtime's trap page. */
    public static final String EXIT_TRAP = "<return to runtime>";

    private StackWalker() {
    }

    /**
     * The result of a walk: the frames (innermost first), where it ended ({@code terminal}, e.g.
     * "<return to runtime>"), and the first error or null.
     */
    public record Walk(List<Frame> frames, String terminal, String error) {
        public boolean ok() {
            return error == null && frames.stream().noneMatch(Frame::isProblem);
        }

        /** The code manager's method names, innermost first ("<none>" where it has none). */
        public List<String> methodNames() {
            List<String> out = new ArrayList<>();
            for (Frame f : frames) {
                out.add(f.method() == null ? "<none>" : f.method().name());
            }
            return out;
        }

        /** Frames whose attribution is wrong or missing. */
        public List<Frame> problems() {
            return frames.stream().filter(Frame::isProblem).toList();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (Frame f : frames) {
                sb.append(f).append(System.lineSeparator());
            }
            if (terminal != null) {
                sb.append("   -> ").append(terminal).append(System.lineSeparator());
            }
            if (error != null) {
                sb.append("   ERROR: ").append(error).append(System.lineSeparator());
            }
            return sb.toString();
        }
    }

    /**
     * Walks from inside a runtime helper that managed code called (e.g. in an {@code onGcPoint}
     * listener, where the guest is stopped inside the GCPoll trap): x64 takes the return address at
     * [RSP], ARM64 takes X30; frame 0 is the helper's managed caller.
     */
    public static Walk atGcPoint(EmulatedRuntime rt) {
        FrameRegisters regs = FrameRegisters.read(rt.engine());
        FrameUnwinder unwinder = new FrameUnwinder(rt.engine(), rt.imageBase());
        FrameRegisters caller = unwinder.unwindLeaf(regs, 0).caller();
        return walk(rt, caller, true);
    }

    /** Walks from an exact register state (e.g. a fault): frame 0 is at {@code start.pc()}. */
    public static Walk from(EmulatedRuntime rt, FrameRegisters start) {
        return walk(rt, start, false);
    }

    private static Walk walk(EmulatedRuntime rt, FrameRegisters start, boolean firstIsCaller) {
        long base = rt.imageBase();
        ImageSymbols syms = new ImageSymbols(rt.image());
        FrameUnwinder unwinder = new FrameUnwinder(rt.engine(), base);
        List<Frame> frames = new ArrayList<>();
        FrameRegisters regs = start;
        boolean caller = firstIsCaller;
        String error = null;
        String terminal = null;
        for (int i = 0; i < MAX_FRAMES; i++) {
            long pc = regs.pc();
            boolean inImage = inImage(rt, pc);
            if (!inImage && (i > 0 || firstIsCaller)) {
                terminal = outsideName(rt, pc);
                if (!EXIT_TRAP.equals(terminal)) {
                    error = String.format("return address 0x%X is outside the image and is not the runtime's exit trap (%s)", pc, terminal);
                }
                break;
            }
            Frame f = symbolize(rt, syms, pc, i, regs.sp(), caller);
            FrameUnwinder.Step step;
            if (f.runtimeFunction() != null) {
                step = unwinder.unwind(f.runtimeFunction(), regs);
            } else if (i == 0 && !caller) {
                step = unwinder.unwindLeaf(regs, inImage ? 0 : thunkPushes(rt, pc));
                f = withFlag(f, Frame.Flag.LEAF_ASSUMED);
            } else {
                frames.add(f);
                error = String.format("frame #%d: IP 0x%X is in no runtime function: cannot unwind", i, pc);
                break;
            }
            if (step.ok() && step.inProlog()) {
                f = withFlag(f, Frame.Flag.IN_PROLOG);
            }
            if (step.ok() && step.inEpilog()) {
                f = withFlag(f, Frame.Flag.IN_EPILOG);
            }
            frames.add(f);
            if (error == null && f.has(Frame.Flag.NO_METHOD)) {
                error = String.format("frame #%d: IP 0x%X maps to no method", i, pc);
            }
            if (!step.ok()) {
                error = error == null ? step.error() : error + "; " + step.error();
                break;
            }
            FrameRegisters next = step.caller();
            if (next.sp() < regs.sp() || (next.sp() == regs.sp() && next.pc() == regs.pc())) {
                error = String.format("frame #%d: unwinding made no progress (sp 0x%X -> 0x%X)", i, regs.sp(), next.sp());
                break;
            }
            regs = next;
            caller = true;
        }
        if (terminal == null && error == null) {
            error = "more than " + MAX_FRAMES + " frames";
        }
        return new Walk(Collections.unmodifiableList(frames), terminal, error);
    }

    private static Frame withFlag(Frame f, Frame.Flag flag) {
        Set<Frame.Flag> flags = EnumSet.noneOf(Frame.Flag.class);
        flags.addAll(f.flags());
        flags.add(flag);
        return new Frame(f.index(), f.ip(), f.rva(), f.sp(), f.method(), f.codeInfo(), f.runtimeFunction(), f.imageMethod(),
                f.symbol(), Collections.unmodifiableSet(flags), f.note());
    }

    /**
     * Words an x64 delay-load thunk pushed before it jumped to the helper at {@code pc} (the import section index
     * and the Module*, for every DelayLoad_* helper); 0 for other helpers and on ARM64, whose thunks pass them in
     * x9 and x10.
     */
    static int thunkPushes(EmulatedRuntime rt, long pc) {
        return !rt.abi().isArm64() && outsideName(rt, pc).startsWith("DelayLoad_") ? 2 : 0;
    }

    /**
     * The registers as they were at the guest instruction that called the runtime helper running now
     * ({@code inHelper.pc()} on the trap page): ARM64 PC = LR - 4; x64 PC = the call instruction before the return
     * address (above a delay-load thunk's pushes), RSP as before that call. Null when the return address is not
     * image code (the runtime itself called the helper).
     */
    static FrameRegisters callSite(EmulatedRuntime rt, FrameRegisters inHelper) {
        FrameRegisters at = inHelper.copy();
        long returnAddress;
        if (inHelper.isArm64()) {
            returnAddress = inHelper.get(FrameRegisters.ARM64_LR);
            at.setPc(returnAddress - 4);
        } else {
            long slot = inHelper.sp() + 8L * thunkPushes(rt, inHelper.pc());
            returnAddress = rt.engine().readLong(slot);
            at.setSp(slot + 8);
            at.setPc(returnAddress - x64CallLength(rt, returnAddress));
        }
        return inImage(rt, returnAddress) && inImage(rt, at.pc()) ? at : null;
    }

    /**
     * The length of the x64 call that returns to {@code returnAddress}: {@code call [rip+disp32]} (FF 15, 6 bytes),
     * {@code call rel32} (E8, 5 bytes) or {@code call reg} (FF D0+r, 2 bytes); 0 when the bytes before it are none of
     * these (the PC then stays at the return address).
     */
    private static int x64CallLength(EmulatedRuntime rt, long returnAddress) {
        if (!inImage(rt, returnAddress - 6)) {
            return 0;
        }
        byte[] b = rt.engine().memRead(returnAddress - 6, 6);
        if ((b[0] & 0xFF) == 0xFF && b[1] == 0x15) {
            return 6;
        }
        if ((b[1] & 0xFF) == 0xE8) {
            return 5;
        }
        if ((b[4] & 0xFF) == 0xFF && (b[5] & 0xF8) == 0xD0) {
            return 2;
        }
        return 0;
    }

    static boolean inImage(EmulatedRuntime rt, long address) {
        return rt.guest().contains(address);
    }

    /** The name of a runtime trap ("GCPoll", "<return to runtime>") or "unmapped/unknown 0x...". */
    public static String outsideName(EmulatedRuntime rt, long address) {
        long off = address - rt.traps().base();
        if (off >= 0 && off < TrapPage.PAGE_SIZE) {
            int slot = (int) (off / TrapPage.SLOT_SIZE);
            List<String> names = rt.traps().names();
            if (off % TrapPage.SLOT_SIZE == 0 && slot < names.size()) {
                return names.get(slot);
            }
            return String.format("trap page 0x%X (no helper)", address);
        }
        return String.format("code outside the image at 0x%X", address);
    }

    /**
     * A funclet's location named by the EH clause whose handler starts it, as the runtime's stack traces name
     * them: "M [catch]+0x8", "M [finally]" (the position among the method's runtime functions stays for a funclet
     * no clause names).
     */
    private static String funcletKind(EmulatedRuntime rt, ReadyToRunMethod owner, RuntimeFunction rf, String symbol) {
        long start = rt.image().runtimeFunctions().get(rt.image().rootRuntimeFunction(rf.index())).beginRva();
        for (ExceptionClause c : rt.image().exceptionClauses(owner.entryRva())) {
            if (c.handlerStartPc() == rt.image().methodOffsetOf(owner.entryRuntimeFunction(), start)) {
                return symbol.replaceFirst(" \\[funclet \\d+\\]", " [" + c.kindName() + "]");
            }
        }
        return symbol;
    }

    /** Symbolizes one code address as the runtime's code manager sees it (see {@link Frame}). */
    public static Frame symbolize(EmulatedRuntime rt, long address) {
        return symbolize(rt, new ImageSymbols(rt.image()), address, 0, rt.engine().regRead(rt.engine().spRegister()), false);
    }

    /**
     * Symbolizes {@code address}; {@code returnAddress} makes the lookups use {@code address - 1} (the
     * call instruction), as a caller frame's IP is the instruction after its call.
     */
    public static Frame symbolize(EmulatedRuntime rt, ImageSymbols syms, long address, int index, long sp, boolean returnAddress) {
        long base = rt.imageBase();
        Set<Frame.Flag> flags = EnumSet.noneOf(Frame.Flag.class);
        if (!inImage(rt, address)) {
            flags.add(Frame.Flag.OUTSIDE_IMAGE);
            return new Frame(index, address, -1, sp, null, null, null, null, outsideName(rt, address),
                    Collections.unmodifiableSet(flags), "");
        }
        long rva = address - base;
        long lookup = returnAddress ? rva - 1 : rva;
        RuntimeFunction rf = syms.runtimeFunction(lookup);
        CodeInfo ci = rt.info().jitManager().jitCodeToMethodInfo(lookup);
        MethodDesc md = ci == null ? null : ci.method();
        ReadyToRunMethod imageMethod = rf == null ? null : syms.ownerOfRuntimeFunction(rf.index());
        String symbol = syms.describe(lookup);
        if (symbol != null && returnAddress) {
            symbol = syms.describe(rva) != null ? syms.describe(rva) : symbol;
        }
        if (symbol != null && rf != null && imageMethod != null && rf.index() != imageMethod.entryRuntimeFunction()) {
            symbol = funcletKind(rt, imageMethod, rf, symbol);
        }
        List<String> notes = new ArrayList<>();
        if (rf == null) {
            long thunk = syms.thunkContaining(rva);
            if (thunk >= 0) {
                flags.add(Frame.Flag.THUNK);
            } else {
                flags.add(Frame.Flag.NO_RUNTIME_FUNCTION);
                notes.add("the IP is in no RUNTIME_FUNCTION");
            }
        } else if (md == null) {
            flags.add(Frame.Flag.NO_METHOD);
            notes.add("no registered entry point at or before runtime function " + rf.index()
                    + (imageMethod != null ? " (the image lists it under " + imageMethod.name() + ")" : ""));
        }
        if (ci != null) {
            if (ci.funclet()) {
                flags.add(Frame.Flag.FUNCLET);
            }
            if (ci.cold()) {
                flags.add(Frame.Flag.COLD);
            }
        }
        if (md != null && imageMethod != null && md.entryRva() != imageMethod.entryRva()) {
            flags.add(Frame.Flag.MISATTRIBUTED);
            notes.add(String.format("the code manager attributes this code to %s (entry 0x%X), but the image lists it under %s "
                    + "(entry 0x%X), whose entry point is not registered", md.name(), md.entryRva(), imageMethod.name(),
                    imageMethod.entryRva()));
        }
        return new Frame(index, address, rva, sp, md, ci, rf, imageMethod, symbol, Collections.unmodifiableSet(flags),
                String.join("; ", notes));
    }
}
