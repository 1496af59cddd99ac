package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emu.capstone.CapstoneDisassembler;
import r2rlab.emu.capstone.Operands;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodSignature;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.PeImage;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.EntryPoint;
import r2rlab.loader.runtime.Rejection;

/**
 * Enters code bodies that only the runtime calls: an async variant by a fresh call (a null continuation in its place
 * among the arguments, [this][generic context][continuation][arguments]), and a resumption stub with a continuation
 * built as a suspension of its owner would have left it: an object of the MethodTable the owner's ContinuationLayout
 * fixup resolves to (the largest, when it has several), the chosen State, every other slot zero (no exception, a
 * null result and null locals). The stub run stops when the resumed variant reaches the code after its resumption
 * dispatch: the instruction after an await's conditional branch to its suspension block, the DiagnosticIP of a
 * ResumeInfo record that names the stub, where the resume blocks join the code after the await (or, when that
 * instruction is a jump, the jump's target, where a resume block goes straight).
 */
final class RealCodeEntry {
    private final EmulatedRuntime rt;
    private final Map<Long, List<Range>> joins = new HashMap<>();

    RealCodeEntry(EmulatedRuntime rt) {
        this.rt = rt;
    }

    /** The body's entry point, fixups first; a body without usable R2R code is refused as a run's entry is. */
    private EntryPoint prepared(ReadyToRunMethod m) {
        EntryPoint ep = rt.info().getEntryPoint(m);
        if (!ep.isOk()) {
            throw new RunRejectedException(RunRejectedException.Reason.NO_USABLE_CODE, m.label() + " has no R2R code to run",
                    ep.rejection());
        }
        return ep;
    }

    /**
     * Calls the async variant {@code variant} with a null continuation and {@code args} ({@code this} first for an
     * instance method, then the parameters; a shared generic method gets a null generic context).
     */
    RunOutcome callAsyncVariant(ReadyToRunMethod variant, long... args) {
        if (variant.kind() != CodeBodyKind.ASYNC_VARIANT) {
            throw new IllegalArgumentException(variant.label() + " is no async variant");
        }
        int rid = MetadataTable.rid(variant.token());
        MethodSignature sig = rt.image().metadata().methodDefSignature(rid);
        int expected = sig.parameters().size() + (sig.hasThis() ? 1 : 0);
        if (args.length != expected) {
            throw new RunRejectedException(RunRejectedException.Reason.WRONG_ARGUMENT_COUNT, String.format("%s takes %d argument%s%s, not %d",
                    variant.label(), expected, expected == 1 ? "" : "s", sig.hasThis() ? " (this first)" : "", args.length));
        }
        EntryPoint ep = prepared(variant);
        boolean genericContext = variant.signature() != null && !variant.signature().methodInstantiation().isEmpty();
        List<Long> full = new ArrayList<>();
        int user = 0;
        if (sig.hasThis()) {
            full.add(args[user++]);
        }
        if (genericContext) {
            full.add(0L);
        }
        full.add(0L); // the continuation: a fresh call
        while (user < args.length) {
            full.add(args[user++]);
        }
        long[] a = full.stream().mapToLong(Long::longValue).toArray();
        long entry = rt.tiering().entryAddress(ep);
        rt.syncCells();
        RunOutcome.Completed[] completed = {null};
        FaultReport fault = FaultReport.capture(rt, () -> completed[0] = rt.callAddress(entry, a));
        return fault != null ? new RunOutcome.Faulted(fault) : completed[0];
    }

    /** Resumes through {@code stub} with a continuation of its owner in State {@code state}. */
    ResumptionRun resume(ResumptionStub stub, int state) {
        ReadyToRunMethod owner = stub.owner();
        if (owner == null) {
            throw new RunRejectedException(RunRejectedException.Reason.NO_USABLE_CODE,
                    String.format("the resumption stub at RVA 0x%X has no owner: no method's fixup list names its cell", stub.rva()));
        }
        if (stub.runtimeFunction() < 0) {
            throw new RunRejectedException(RunRejectedException.Reason.NO_USABLE_CODE,
                    String.format("no code starts at the resumption stub's RVA 0x%X", stub.rva()));
        }
        prepared(owner); // runs the owner's fixups: its ContinuationLayout cell and the stub's registration
        ReadyToRunMethod code = stubCode(stub);
        String unsupported = code == null ? null : rt.info().services().unsupportedCode(code);
        if (unsupported != null) {
            throw new RunRejectedException(RunRejectedException.Reason.NO_USABLE_CODE, code.label() + " has no R2R code to run",
                    new Rejection(Rejection.Reason.UNSUPPORTED_INSTRUCTIONS, "R2R code of " + code.label() + " rejected: " + unsupported));
        }
        long mt = continuationMethodTable(owner);
        long continuation = rt.async().allocateObject(mt);
        rt.async().write32(continuation + AsyncDispatcher.CONTINUATION.state(), state);
        long result = rt.allocate(RESULT_BYTES);
        long stubAddress = rt.imageBase() + stub.rva();
        long[] reached = {-1};
        List<Long> hooks = new ArrayList<>();
        rt.guest().remap(); // blocks translated by earlier runs would not run the hooks
        for (Range join : joinPoints(stub, owner)) {
            hooks.add(rt.engine().hookCode(rt.imageBase() + join.first(), rt.imageBase() + join.last(), (u, address, size) -> {
                reached[0] = address - rt.imageBase();
                u.setPc(rt.exitTrap()); // the run ends here, as a return to the runtime
            }));
        }
        rt.event(String.format("resume %s with continuation 0x%X (State %d, MethodTable 0x%X)", stub.owner().label(), continuation, state, mt));
        RunOutcome.Completed[] completed = {null};
        try {
            rt.syncCells();
            FaultReport fault = FaultReport.capture(rt, () -> completed[0] = rt.callAddress(stubAddress, continuation, result));
            RunOutcome outcome = fault != null ? new RunOutcome.Faulted(fault) : completed[0];
            return new ResumptionRun(stub, state, continuation, reached[0], outcome);
        } finally {
            hooks.forEach(rt.engine()::hookDel);
        }
    }

    /** The stub's code body, or null when its code starts another method's body too. */
    private ReadyToRunMethod stubCode(ResumptionStub stub) {
        for (ReadyToRunMethod m : rt.image().methods()) {
            if (m.kind() == CodeBodyKind.RESUMPTION_STUB && m.entryRva() == stub.rva()) {
                return m;
            }
        }
        return null;
    }

    /** Room for any result the stub stores (a reference, a primitive or a struct copied by value). */
    private static final int RESULT_BYTES = 256;

    /** The MethodTable of the owner's largest ContinuationLayout (its cells are resolved: the owner is prepared). */
    private long continuationMethodTable(ReadyToRunMethod owner) {
        long best = 0;
        int bestSize = -1;
        for (FixupCell f : owner.fixups()) {
            ImportCell c = rt.info().cellOf(f);
            if (c.signature() != null && c.signature().kind() == ReadyToRunFixupKind.ContinuationLayout) {
                long mt = rt.info().cellValue(c.section(), c.index());
                int size = rt.engine().readInt(mt + 4);
                if (size > bestSize) {
                    best = mt;
                    bestSize = size;
                }
            }
        }
        if (best == 0) {
            throw new RunRejectedException(RunRejectedException.Reason.NO_USABLE_CODE,
                    owner.label() + " has no ContinuationLayout fixup to build a continuation from");
        }
        return best;
    }

    /** Code from {@code first} to {@code last} (RVAs, both included). */
    record Range(long first, long last) {
    }

    /**
     * Where the owner's resume blocks join the code after an await: from the instruction after each conditional
     * branch to the DiagnosticIP of a ResumeInfo record {Resume = the stub, DiagnosticIP inside the owner's main body}
     * to the next branch, call or return (a resume block may join a few instructions on, past a move of the result
     * it made itself); and when that instruction is a jump (a loop's back edge), the jump's target too. Records are
     * found through the image's base relocations, as every pointer of the image has one.
     */
    List<Range> joinPoints(ResumptionStub stub, ReadyToRunMethod owner) {
        return joins.computeIfAbsent(stub.rva(), k -> findJoinPoints(rt.image(), stub, owner));
    }

    static List<Range> findJoinPoints(R2RImage image, ResumptionStub stub, ReadyToRunMethod owner) {
        PeImage pe = image.pe();
        int ptr = pe.pointerSize();
        RuntimeFunction body = image.runtimeFunctions().get(owner.entryRuntimeFunction());
        List<Long> diagnosticIps = new ArrayList<>();
        for (PeImage.BaseRelocation r : pe.baseRelocations()) {
            long resume = pointerAt(pe, r.rva(), ptr);
            long ip = resume == stub.rva() ? pointerAt(pe, r.rva() + ptr, ptr) : -1;
            if (ip >= body.beginRva() && ip < body.endRva() && !diagnosticIps.contains(ip)) {
                diagnosticIps.add(ip);
            }
        }
        List<Range> out = new ArrayList<>();
        if (diagnosticIps.isEmpty()) {
            return out;
        }
        long base = pe.imageBase();
        int length = (int) (body.endRva() - body.beginRva());
        byte[] code = pe.file().bytes("code", pe.rvaToOffset("code", body.beginRva(), length), length);
        boolean arm64 = pe.machine() == Machine.ARM64;
        try (CapstoneDisassembler cs = arm64 ? CapstoneDisassembler.arm64() : CapstoneDisassembler.x86_64()) {
            List<CapstoneDisassembler.Instruction> insns = cs.disassemble(code, base + body.beginRva());
            for (int i = 0; i + 1 < insns.size(); i++) {
                CapstoneDisassembler.Instruction in = insns.get(i);
                Long target = branchTarget(in);
                if (target == null || !isConditionalBranch(in.mnemonic()) || !diagnosticIps.contains(target - base)) {
                    continue;
                }
                int last = i + 1;
                while (last + 1 < insns.size() && !endsStretch(insns.get(last).mnemonic())) {
                    last++;
                }
                out.add(new Range(insns.get(i + 1).address() - base, insns.get(last).address() - base));
                CapstoneDisassembler.Instruction after = insns.get(i + 1);
                Long jumpTarget = after.mnemonic().equals("jmp") || after.mnemonic().equals("b") ? branchTarget(after) : null;
                if (jumpTarget != null) {
                    out.add(new Range(jumpTarget - base, jumpTarget - base));
                }
            }
        }
        return out;
    }

    private static Long branchTarget(CapstoneDisassembler.Instruction in) {
        List<String> ops = in.operands();
        return ops.isEmpty() ? null : Operands.immediate(ops.get(ops.size() - 1));
    }

    /** A branch, call or return: the end of the straight code a resume block may join. */
    private static boolean endsStretch(String mnemonic) {
        return mnemonic.startsWith("j") || mnemonic.startsWith("call") || mnemonic.startsWith("ret") || mnemonic.equals("int3")
                || mnemonic.startsWith("b") || mnemonic.startsWith("cb") || mnemonic.startsWith("tb");
    }

    private static boolean isConditionalBranch(String mnemonic) {
        return (mnemonic.startsWith("j") && !mnemonic.equals("jmp")) || mnemonic.startsWith("b.") || mnemonic.startsWith("cb")
                || mnemonic.startsWith("tb");
    }

    /** The RVA the pointer at {@code rva} holds (its value less the preferred base), or -1. */
    private static long pointerAt(PeImage pe, long rva, int ptr) {
        try {
            long off = pe.rvaToOffset("ResumeInfo", rva, ptr);
            long v = ptr == 8 ? pe.file().u64("ResumeInfo", off) : pe.file().u32("ResumeInfo", off);
            long target = v - pe.imageBase();
            return target >= 0 && target < pe.sizeOfImage() ? target : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
