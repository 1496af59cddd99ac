package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.arm64X;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongUnaryOperator;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.format.gcinfo.GcSlot;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.CodeInfo;

/**
 * A compacting (copying) collection of the {@link GcHeap}, run with the guest stopped in a runtime helper that managed
 * code called at a safepoint. Roots: every managed frame, walked with the unwinder from the helper's caller; each
 * frame's GcInfo is the one the code manager gives it (ReadyToRunJitManager.gcInfo, GetGCInfoToken: a funclet or cold
 * part its method's, an unregistered resumption stub the preceding method's), decoded at the frame's offset (its
 * return address in the method) as the runtime's EnumerateLiveSlots does: the tracked slots live at that safepoint
 * (only callee-saved registers, as in every non-leaf frame, at the stack address where a deeper frame saved them, or
 * in the CPU), and the untracked stack slots; the helper's reference arguments; and every reference the runtime holds
 * (the dispatcher's Tasks and continuations, exception objects, the saved registers of an exception dispatch). Live
 * objects are copied into the other semispace in breadth-first order, traced through their MethodTable's layout;
 * every root and field is updated, interior pointers by their offset into the object; the semispace left is poisoned.
 * What a frame's GcInfo leads to that is no object (a stale reference, a slot address that is not mapped) is recorded
 * as a problem naming the frame, and the collection goes on.
 */
public final class Collector {
    /** What a collection did. */
    public record Result(int collection, int frames, int stackRoots, int objects, long bytes, List<String> frameNames,
                         List<String> problems) {
    }

    /** x64 registers a non-leaf frame may report (RBX RBP RSI RDI R12-R15; RSI and RDI are scratch on System V). */
    private static final int X64_CALLEE_SAVED_WINDOWS = 0xF0E8;
    private static final int X64_CALLEE_SAVED_SYSV = 0xF028;

    private final EmulatedRuntime rt;
    private final CpuEngine uc;
    private final GcHeap heap;
    private final Map<Long, GcInfo> decoded = new HashMap<>();
    private int collections;

    // per collection
    private long free;
    private long toBase;
    /** The semispace being left, read once; the one being filled, written once at the end. */
    private long fromBase;
    private ByteBuffer from;
    private ByteBuffer to;
    private TreeMap<Long, Integer> copied;
    private NavigableSet<Long> referencesInClearCells;
    private final Map<Long, Long> forwarded = new HashMap<>();
    private List<String> problems;
    private String rootName;
    private ImageSymbols syms;

    Collector(EmulatedRuntime rt, GcHeap heap) {
        this.rt = rt;
        this.uc = rt.engine();
        this.heap = heap;
    }

    /** Collections so far. */
    public int collections() {
        return collections;
    }

    /**
     * Collects, with the guest inside a helper whose argument registers at {@code referenceArguments} hold references
     * (the helper's own roots, protected as the runtime's helper frames protect theirs).
     */
    Result collect(int... referenceArguments) {
        return collect(true, new long[0], referenceArguments);
    }

    /**
     * Collects; {@code walkStack} false when no managed frame is on the stack (between runs); {@code roots} are
     * references a caller of the runtime holds, updated in place.
     */
    Result collect(boolean walkStack, long[] roots, int... referenceArguments) {
        collections++;
        toBase = heap.otherBase();
        free = toBase;
        fromBase = heap.spaceBase();
        from = ByteBuffer.wrap(heap.used() == 0 ? new byte[0] : uc.memRead(fromBase, (int) heap.used())).order(ByteOrder.LITTLE_ENDIAN);
        to = ByteBuffer.allocate((int) heap.used()).order(ByteOrder.LITTLE_ENDIAN);
        copied = new TreeMap<>();
        referencesInClearCells = new TreeSet<>();
        forwarded.clear();
        problems = new ArrayList<>();
        FrameRegisters regs = FrameRegisters.read(uc);
        for (int a : referenceArguments) {
            int id = rt.abi().argumentRegister(a);
            rootName = "argument " + a + " of the helper";
            uc.regWrite(id, relocate(uc.regRead(id)));
        }
        List<String> names = new ArrayList<>();
        int stackRoots = walkStack ? walkFrames(regs, names) : 0;
        rootName = "the caller's roots";
        for (int i = 0; i < roots.length; i++) {
            roots[i] = relocate(roots[i]);
        }
        rootName = "the runtime";
        rt.relocateHostRoots(this::relocate);
        int objects = scan();
        rt.async().relocateWeakRoots(this::survivor);
        long bytes = free - toBase;
        if (bytes > 0) {
            uc.memWrite(toBase, Arrays.copyOf(to.array(), (int) bytes));
        }
        from = null;
        to = null;
        heap.flip(copied, free);
        heap.replaceReferencesInClearCells(referencesInClearCells);
        rt.event(String.format("GC #%d: %d frames, %d stack roots, %d objects (%d bytes) moved to 0x%X%s", collections, names.size(),
                stackRoots, objects, bytes, toBase, problems.isEmpty() ? "" : "; " + problems.size() + " problem(s): " + problems.get(0)));
        return new Result(collections, names.size(), stackRoots, objects, bytes, List.copyOf(names), List.copyOf(problems));
    }

    /** What a reference into the GC heap is not updated as: the collector's problems say so, and drivers look for it. */
    public static final String STALE_REFERENCE = "a stale reference";

    /** Whether {@code ref} needs no relocation: null, outside the GC heap, or already in the semispace being filled. */
    private boolean stays(long ref) {
        return ref == 0 || !GcHeap.inObjectSpaces(ref) || ref >= toBase && ref < free;
    }

    /** The operator every root and field goes through: the new address of a reference (interior ones by offset). */
    private long relocate(long ref) {
        if (stays(ref)) {
            return ref;
        }
        long object = heap.objectContaining(ref);
        if (object < 0) {
            problems.add(String.format("%s holds 0x%X, which points into the GC heap at no object (%s)", rootName, ref, STALE_REFERENCE));
            return ref;
        }
        Long moved = forwarded.get(object);
        if (moved == null) {
            int size = heap.sizeOf(object);
            moved = free;
            System.arraycopy(from.array(), (int) (object - fromBase), to.array(), (int) (moved - toBase), size);
            free = (free + size + 15) & ~15L;
            copied.put(moved, size);
            forwarded.put(object, moved);
            if (!heap.referencesInClearCells().isEmpty()) {
                checkReferencesInClearCells(object, size, moved);
            }
        }
        return moved + (ref - object);
    }

    /** A weak reference after the trace: the new address of an object the collection kept, or 0. */
    private long survivor(long ref) {
        if (stays(ref)) {
            return ref;
        }
        long object = heap.objectContaining(ref);
        Long moved = object < 0 ? null : forwarded.get(object);
        return moved == null ? 0 : moved + (ref - object);
    }

    /** Traces the copied objects in order (Cheney's scan), updating their reference fields. */
    private int scan() {
        long at = toBase;
        int n = 0;
        while (at < free) {
            int size = copied.get(at);
            long mt = to.getLong((int) (at - toBase));
            GcHeap.Layout layout = heap.layout(mt);
            if (layout == null) {
                problems.add(String.format("object 0x%X has MethodTable 0x%X, whose layout the collector does not know", at, mt));
            } else {
                rootName = String.format("%s 0x%X", layout.name(), at);
                for (int off : layout.referenceOffsets()) {
                    int field = (int) (at - toBase) + off;
                    long v = to.getLong(field);
                    long nv = relocate(v);
                    if (nv != v) {
                        to.putLong(field, nv);
                    }
                }
            }
            n++;
            at = (at + size + 15) & ~15L;
        }
        return n;
    }

    /**
     * The continuation cells its GC map leaves clear into which code stored a reference through the write barrier
     * (GcHeap.referenceStored), within the object at {@code object} being copied to {@code moved}: the cell is not
     * updated, so a reference into the semispace being left is stale from now on (B8), and reported once. The cells
     * not stale yet follow the copy.
     */
    private void checkReferencesInClearCells(long object, int size, long moved) {
        for (long cell : heap.referencesInClearCells().subSet(object, object + size)) {
            int off = (int) (cell - object);
            long v = from.getLong((int) (cell - fromBase));
            if (v < fromBase || v >= fromBase + from.capacity()) {
                referencesInClearCells.add(moved + off); // not stale yet: followed on
                continue;
            }
            long target = heap.objectContaining(v);
            GcHeap.Layout mt = target < 0 ? null : heap.layout(from.getLong((int) (target - fromBase)));
            GcHeap.Layout layout = heap.layout(to.getLong((int) (moved - toBase)));
            problems.add(String.format("%s 0x%X (%s) +0x%X, cell %d of its data, clear in its GC map, holds 0x%X, %s in the semispace"
                    + " this collection left: " + STALE_REFERENCE + ", neither traced nor updated", layout.name(), moved, resumedBy(moved), off,
                    (off - AsyncDispatcher.CONTINUATION.data()) / AsyncDispatcher.CONTINUATION.pointerSize(), v,
                    target < 0 ? "no object" : mt == null ? "an object" : "a " + mt.name()));
        }
    }

    /** What the continuation at {@code at} (already copied) resumes through: its ResumeInfo's Resume address, symbolized. */
    private String resumedBy(long at) {
        long resumeInfo = to.getLong((int) (at - toBase) + AsyncDispatcher.CONTINUATION.resumeInfo());
        if (resumeInfo == 0) {
            return "no ResumeInfo yet";
        }
        long resume;
        try {
            resume = uc.readLong(resumeInfo + AsyncDispatcher.CONTINUATION.resumeInfoResume());
        } catch (RuntimeException e) {
            return String.format("ResumeInfo 0x%X, not mapped", resumeInfo);
        }
        return "resumed through " + (rt.guest().contains(resume) ? symbols().symbol(resume - rt.imageBase()) : String.format("0x%X", resume));
    }

    private ImageSymbols symbols() {
        if (syms == null) {
            syms = new ImageSymbols(rt.image());
        }
        return syms;
    }

    // ---- the stack

    private int walkFrames(FrameRegisters inHelper, List<String> names) {
        long base = rt.imageBase();
        long[] home = new long[32];
        FrameUnwinder unwinder = new FrameUnwinder(uc, base).recordSaves(home);
        FrameRegisters frame = unwinder.unwindLeaf(inHelper, StackWalker.thunkPushes(rt, inHelper.pc())).caller();
        boolean registersInCpu = true;
        int roots = 0;
        for (int i = 0; i < StackWalker.MAX_FRAMES; i++) {
            long pc = frame.pc();
            if (!rt.guest().contains(pc)) {
                FrameRegisters throwSite = ExceptionDispatcher.FUNCLET_RETURN.equals(StackWalker.outsideName(rt, pc))
                        ? rt.exceptionThrowSite() : null;
                if (throwSite == null) {
                    break;
                }
                // A funclet returns to the dispatch, which runs below the frames of the throw: they are walked on from
                // there; their registers are the dispatch's saved copies (relocated as the runtime's roots).
                frame = throwSite.copy();
                Arrays.fill(home, 0);
                registersInCpu = false;
                continue;
            }
            long rva = pc - base;
            CodeInfo ci = rt.info().jitManager().jitCodeToMethodInfo(rva - 1);
            Frame f = StackWalker.symbolize(rt, symbols(), pc, i, frame.sp(), true);
            String name = f.symbol() != null ? f.symbol() : String.format("0x%X", pc);
            names.add(name);
            if (ci == null) {
                problems.add(String.format("frame #%d %s: no method, its references are not reported", i, name));
                break;
            }
            roots += reportFrame(i, name, frame, ci, home, registersInCpu);
            RuntimeFunction rf = rt.image().runtimeFunctions().get(ci.runtimeFunction());
            FrameUnwinder.Step step = unwinder.unwind(rf, frame);
            if (!step.ok()) {
                problems.add(String.format("frame #%d %s: %s", i, name, step.error()));
                break;
            }
            frame = step.caller();
        }
        return roots;
    }

    /** The frame's live slots at its offset, each relocated where it lives; the number of slots reported. */
    private int reportFrame(int index, String name, FrameRegisters frame, CodeInfo ci, long[] home, boolean registersInCpu) {
        MethodGcInfo g = rt.info().jitManager().gcInfo(ci);
        GcInfo info;
        try {
            info = decoded.computeIfAbsent(g.rva(), k -> g.decode(rt.image()).info());
        } catch (RuntimeException e) {
            problems.add(String.format("frame #%d %s: GcInfo at RVA 0x%X: %s", index, name, g.rva(), e.getMessage()));
            return 0;
        }
        List<RuntimeFunction> rfs = rt.image().runtimeFunctions();
        long rva = frame.pc() - rt.imageBase();
        long offset;
        if (ci.cold()) {
            RuntimeFunction cold = rfs.get(ci.runtimeFunction());
            offset = info.codeLength() - (cold.endRva() - cold.beginRva()) + rva - cold.beginRva();
        } else {
            offset = rva - rfs.get(ci.methodStartRuntimeFunction()).beginRva();
        }
        BitSet live = info.trackedLiveAt((int) offset);
        int reported = 0;
        String where = String.format("frame #%d %s (GcInfo of %s at offset 0x%X)", index, name, ci.method().name(), offset);
        if (!info.safePoints().contains((int) offset) && info.interruptibleRanges().stream().noneMatch(r -> offset >= r.start() && offset < r.end())) {
            // A frame stopped in a call is always at a safepoint of its own GcInfo: this one is walked with another method's.
            problems.add(String.format("%s: no safepoint and no interruptible range at this offset (CodeLength 0x%X): the frame's live"
                    + " registers and tracked slots are not reported", where, info.codeLength()));
        }
        for (int s = 0; s < info.slots().size(); s++) {
            GcSlot slot = info.slots().get(s);
            if (!slot.untracked() && !live.get(s)) {
                continue;
            }
            rootName = where + " slot " + slot.text(info.encoding());
            if (slot.isRegister()) {
                if (!calleeSaved(slot.register())) {
                    continue; // scratch registers are not reported by a frame that made a call
                }
                reported++;
                long address = home[slot.register()];
                if (address != 0) {
                    relocateAt(address);
                } else if (registersInCpu) {
                    int id = registerId(slot.register());
                    uc.regWrite(id, relocate(uc.regRead(id)));
                }
                continue;
            }
            long address;
            if (slot.stackBase() == GcSlot.FRAMEREG_REL && info.stackBaseRegister() >= 0) {
                address = frame.get(info.stackBaseRegister()) + slot.stackOffset();
            } else if (slot.stackBase() == GcSlot.SP_REL) {
                address = frame.sp() + slot.stackOffset();
            } else {
                problems.add(rootName + ": a base the collector does not walk");
                continue;
            }
            reported++;
            relocateAt(address);
        }
        return reported;
    }

    private void relocateAt(long address) {
        long v;
        try {
            v = uc.readLong(address);
        } catch (RuntimeException e) {
            problems.add(String.format("%s: address 0x%X is not mapped", rootName, address));
            return;
        }
        long nv = relocate(v);
        if (nv != v) {
            uc.writeLong(address, nv);
        }
    }

    private boolean calleeSaved(int register) {
        if (rt.abi().isArm64()) {
            return register >= 19 && register <= 28;
        }
        int mask = rt.image().pe().os() == TargetOs.WINDOWS ? X64_CALLEE_SAVED_WINDOWS : X64_CALLEE_SAVED_SYSV;
        return (mask >> register & 1) != 0;
    }

    private int registerId(int register) {
        if (rt.abi().isArm64()) {
            return arm64X(register);
        }
        return FrameRegisters.X64_IDS[register];
    }

    /** A runtime's saved register context: every register holding a reference is relocated (the context is written back). */
    static void relocateRegisters(FrameRegisters regs, LongUnaryOperator relocate) {
        int n = regs.isArm64() ? 31 : 16;
        for (int r = 0; r < n; r++) {
            if (GcHeap.inObjectSpaces(regs.get(r))) {
                regs.set(r, relocate.applyAsLong(regs.get(r)));
            }
        }
    }
}
