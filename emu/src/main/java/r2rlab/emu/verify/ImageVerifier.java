package r2rlab.emu.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import r2rlab.emu.capstone.CapstoneDisassembler;
import r2rlab.emu.capstone.Operands;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.format.SignatureReader;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.SectionHeader;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.TypeLayout;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/**
 * A static checker of an image, real or emitted, against the runtime-async protocols of the real
 * .NET 11 images ({@link Rule}): the fixup tables, and the code as Capstone decodes it (x64 and
 * ARM64; on other machines only the table rules run). It reports where an image breaks a rule and
 * never stops at the first finding. Reusable: one verifier checks any number of images.
 *
 * <p>A suspension site is where a variant stores a ResumeInfo record's address into a continuation
 * (+{@code 2 * pointer size}), the address from a RIP-relative LEA (x64) or an ADRP pair (ARM64); the
 * Flags are the immediate stored to the same continuation at +{@code 3 * pointer size} within the next
 * few instructions (alone, or with the State in one 8-byte store).
 */
public final class ImageVerifier implements AutoCloseable {
    /** Instructions after a ResumeInfo store in which its Flags store is looked for. */
    private static final int FLAGS_WINDOW = 12;
    /** Instructions before a ResumeInfo store in which the ContinuationLayout cell load is looked for. */
    private static final int LAYOUT_WINDOW = 48;
    private static final Pattern X64_STORE = Pattern.compile("(qword|dword) ptr \\[(\\w+) \\+ (0x[0-9a-f]+)\\], (\\S+)");
    private static final Set<String> X64_FRAME = Set.of("rsp", "rbp", "rip");
    private static final Pattern X64_FIELD_ADDRESS = Pattern.compile("(?:qword ptr )?\\[(\\w+) \\+ (0x[0-9a-f]+)\\]");
    private static final Map<String, String> X64_WIDE = x64Registers();

    private CapstoneDisassembler x64;
    private CapstoneDisassembler arm64;

    /** What a check of one image found, by address, and how many things each rule checked there. */
    public record Verification(List<Finding> findings, Map<Rule, Integer> checked) {
        public Verification {
            findings = List.copyOf(findings);
            checked = Collections.unmodifiableMap(new EnumMap<>(checked));
        }

        /** How many things {@code rule} checked (0 when it did not apply). */
        public int checked(Rule rule) {
            return checked.getOrDefault(rule, 0);
        }
    }

    /** Checks {@code img} against every rule. */
    public Verification verify(R2RImage img) {
        CapstoneDisassembler cs = null;
        if (img.pe().machine() == Machine.AMD64) {
            cs = x64 != null ? x64 : (x64 = CapstoneDisassembler.x86_64());
        } else if (img.pe().machine() == Machine.ARM64) {
            cs = arm64 != null ? arm64 : (arm64 = CapstoneDisassembler.arm64());
        }
        return new Pass(img, cs).run();
    }

    @Override
    public void close() {
        if (x64 != null) {
            x64.close();
        }
        if (arm64 != null) {
            arm64.close();
        }
    }

    private static Map<String, String> x64Registers() {
        Map<String, String> m = new HashMap<>();
        String[][] names = {{"rax", "eax"}, {"rbx", "ebx"}, {"rcx", "ecx"}, {"rdx", "edx"}, {"rsi", "esi"}, {"rdi", "edi"}};
        for (String[] n : names) {
            m.put(n[0], n[0]);
            m.put(n[1], n[0]);
        }
        for (int r = 8; r <= 15; r++) {
            m.put("r" + r, "r" + r);
            m.put("r" + r + "d", "r" + r);
        }
        return m;
    }

    /** A suspension site of an async variant; {@code flags} null when no Flags store follows. */
    private record Site(ReadyToRunMethod variant, long storeRva, long recordRva, long flagsRva, Long flags, ImportCell layoutCell,
                        List<CapstoneDisassembler.Instruction> code, int index, String continuationRegister) {
    }

    /** One image's check. */
    private static final class Pass {
        private final R2RImage img;
        private final CapstoneDisassembler cs;
        private final ImageSymbols syms;
        private final long base;
        private final int ptr;
        private final ContinuationObject continuation;
        private final boolean arm;
        private final List<Finding> out = new ArrayList<>();
        private final Map<Rule, Integer> checked = new EnumMap<>(Rule.class);
        private final Map<Integer, List<CapstoneDisassembler.Instruction>> code = new HashMap<>();
        private final Map<ReadyToRunMethod, List<ImportCell>> fixupCells = new IdentityHashMap<>();
        private final List<Site> sites = new ArrayList<>();
        /** ResumeInfo stores whose page pair is off: reported as page-pair only. */
        private final Set<Long> offPairSites = new HashSet<>();

        Pass(R2RImage img, CapstoneDisassembler cs) {
            this.img = img;
            this.cs = cs;
            this.syms = new ImageSymbols(img);
            this.base = img.pe().imageBase();
            this.ptr = img.pe().pointerSize();
            this.continuation = new ContinuationObject(ptr);
            this.arm = img.pe().machine() == Machine.ARM64;
        }

        Verification run() {
            for (ReadyToRunMethod m : img.methods()) {
                fixupCells.put(m, cells(m));
            }
            coldAsync();
            gcMapLength();
            ehHandlers();
            if (cs != null) {
                decode();
                for (ReadyToRunMethod m : img.methods()) {
                    if (m.kind() == CodeBodyKind.ASYNC_VARIANT || arm) {
                        for (int rf : m.runtimeFunctions()) {
                            if (arm) {
                                arm64(m, rf);
                            } else {
                                x64Sites(m, rf);
                            }
                        }
                    }
                }
                stubDirectCalls();
                directCalls();
                Set<Long> siteRvas = new HashSet<>();
                sites.forEach(s -> siteRvas.add(s.storeRva()));
                for (Site s : sites) {
                    resumeInfo(s);
                    flags(s);
                    continuationGcMap(s, siteRvas);
                }
            }
            stubCells();
            out.sort(Comparator.comparingLong(Finding::rva).thenComparing(Finding::rule));
            return new Verification(out, checked);
        }

        // ---- tables ----

        private List<ImportCell> cells(ReadyToRunMethod m) {
            List<ImportCell> cells = new ArrayList<>();
            for (FixupCell f : m.fixups()) {
                if (f.importSection() < 0 || f.importSection() >= img.importSections().size()) {
                    continue;
                }
                ImportSection s = img.importSections().get(f.importSection());
                long index = (long) f.slot() * ptr / s.cellSize(ptr);
                if (index < s.cells().size()) {
                    cells.add(s.cells().get((int) index));
                }
            }
            return cells;
        }

        private List<ImportCell> cellsOfKind(ReadyToRunMethod m, ReadyToRunFixupKind kind) {
            return fixupCells.get(m).stream().filter(c -> c.signature() != null && c.signature().kind() == kind).collect(Collectors.toList());
        }

        private void count(Rule rule) {
            checked.merge(rule, 1, Integer::sum);
        }

        private void add(ReadyToRunMethod m, long rva, Rule rule, String detail) {
            out.add(new Finding(m == null ? "(no method)" : m.label(), rva, rule, detail));
        }

        private long rfBegin(int rf) {
            return img.runtimeFunctions().get(rf).beginRva();
        }

        private boolean inside(ReadyToRunMethod m, long rva) {
            int rf = img.runtimeFunctionContaining(rva);
            return rf >= 0 && m.runtimeFunctions().contains(rf);
        }

        private String name(long rva) {
            String d = syms.describe(rva);
            return d != null ? d : String.format("0x%X", rva);
        }

        /** B4: an async method's runtime functions are all hot. */
        private void coldAsync() {
            for (ReadyToRunMethod m : img.methods()) {
                if (m.kind() == CodeBodyKind.METHOD) {
                    continue;
                }
                count(Rule.COLD_ASYNC);
                for (int rf : m.runtimeFunctions()) {
                    Integer hot = img.coldToHot().get(rf);
                    if (hot != null) {
                        add(m, rfBegin(rf), Rule.COLD_ASYNC, String.format("runtime function %d is a cold part of runtime function %d (HotColdMap)", rf, hot));
                    }
                }
            }
        }

        /**
         * Every EH clause is keyed by a method's start (ExceptionInfo) and its handler [HandlerStartPC, HandlerEndPC) lies in
         * one funclet of that method: a runtime function after the method's entry that the image lists under it.
         */
        private void ehHandlers() {
            for (Map.Entry<Long, List<ExceptionClause>> e : new TreeMap<>(img.exceptionInfo()).entrySet()) {
                long start = e.getKey();
                ReadyToRunMethod m = syms.methodAt(start);
                for (ExceptionClause c : e.getValue()) {
                    count(Rule.EH_HANDLER);
                    if (m == null || m.entryRva() != start) {
                        add(null, start, Rule.EH_HANDLER, String.format("%s clause, handler [0x%X, 0x%X): 0x%X is no method's start",
                                c.kindName(), start + c.handlerStartPc(), start + c.handlerEndPc(), start));
                        continue;
                    }
                    // a split method's handlers lie in its cold section, at the hot size plus their distance into it
                    long handler = img.methodOffsetToRva(m.entryRuntimeFunction(), c.handlerStartPc());
                    long handlerEnd = img.methodOffsetToRva(m.entryRuntimeFunction(), c.handlerEndPc() - 1) + 1;
                    String clause = String.format("%s clause, handler [0x%X, 0x%X)", c.kindName(), handler, handlerEnd);
                    int rf = img.runtimeFunctionContaining(handler);
                    if (rf < 0 || rf == m.entryRuntimeFunction() || !m.runtimeFunctions().contains(rf)) {
                        add(m, handler, Rule.EH_HANDLER, clause + ": " + (rf < 0 ? "in no runtime function" : rf == m.entryRuntimeFunction()
                                ? "inside the method's main body" : "in runtime function " + rf + ", which is not a funclet of the method"));
                    } else if (handlerEnd > img.runtimeFunctions().get(rf).endRva()) {
                        add(m, handler, Rule.EH_HANDLER, clause + String.format(": runs past the end of its funclet [0x%X, 0x%X) (runtime"
                                + " function %d)", rfBegin(rf), img.runtimeFunctions().get(rf).endRva(), rf));
                    }
                }
            }
        }

        /** B10: one 0x38 cell per variant, one variant per stub. */
        private void stubCells() {
            Map<Long, Set<ReadyToRunMethod>> owners = new LinkedHashMap<>();
            Set<Long> suspending = new HashSet<>();
            for (Site s : sites) {
                suspending.add(s.variant().entryRva());
            }
            for (ReadyToRunMethod m : img.methods()) {
                if (m.kind() != CodeBodyKind.ASYNC_VARIANT) {
                    continue;
                }
                List<ImportCell> stubCells = cellsOfKind(m, ReadyToRunFixupKind.ResumptionStubEntryPoint);
                count(Rule.STUB_CELL);
                if (stubCells.size() > 1) {
                    add(m, m.entryRva(), Rule.STUB_CELL, stubCells.size() + " ResumptionStubEntryPoint cells in its fixup list: "
                            + stubCells.stream().map(c -> syms.cellName(c) + " " + c.signatureText()).collect(Collectors.joining(", ")));
                } else if (stubCells.isEmpty() && suspending.contains(m.entryRva())) {
                    add(m, m.entryRva(), Rule.STUB_CELL, "it suspends but its fixup list has no ResumptionStubEntryPoint cell");
                }
                for (ImportCell c : stubCells) {
                    owners.computeIfAbsent(((FixupSignature.ResumptionStubEntryPoint) c.signature()).stubRva(), k -> new LinkedHashSet<>()).add(m);
                }
            }
            for (Map.Entry<Long, Set<ReadyToRunMethod>> e : owners.entrySet()) {
                if (e.getValue().size() > 1) {
                    add(syms.methodAt(e.getKey()), e.getKey(), Rule.STUB_CELL, "the stub is registered by " + e.getValue().size() + " async variants: "
                            + e.getValue().stream().map(ReadyToRunMethod::label).collect(Collectors.joining(", ")));
                }
            }
            for (ResumptionStub s : img.resumptionStubs()) {
                if (s.owner() == null) {
                    ImportCell c = img.importSections().get(s.importSection()).cells().get(s.cellIndex());
                    add(null, c.rva(), Rule.STUB_CELL, syms.cellName(c) + " " + c.signatureText() + ": no async variant's fixup list names it");
                }
            }
        }

        /** B8: a ContinuationLayout signature read with the map its size implies ends where the next signature starts, or before. */
        private void gcMapLength() {
            TreeSet<Long> starts = new TreeSet<>();
            Map<ImportCell, ReadyToRunMethod> user = new HashMap<>();
            for (ImportSection s : img.importSections()) {
                for (ImportCell c : s.cells()) {
                    if (c.signature() != null) {
                        starts.add(c.signatureRva());
                    }
                }
            }
            for (ReadyToRunMethod m : img.methods()) {
                for (ImportCell c : fixupCells.get(m)) {
                    user.putIfAbsent(c, m);
                }
            }
            Set<Long> seen = new HashSet<>();
            for (ImportSection s : img.importSections()) {
                for (ImportCell c : s.cells()) {
                    if (!(c.signature() instanceof FixupSignature.Layout l) || c.signature().kind() != ReadyToRunFixupKind.ContinuationLayout
                            || !seen.add(c.signatureRva())) {
                        continue;
                    }
                    count(Rule.GC_MAP_LENGTH);
                    long off = img.pe().rvaToOffset("ContinuationLayout signature", c.signatureRva(), 1);
                    SignatureReader r = new SignatureReader(img.pe().file(), off, img.pe().file().length(), "ContinuationLayout signature");
                    FixupSignature.read(r, ptr);
                    long end = c.signatureRva() + (r.position() - off);
                    Long next = starts.higher(c.signatureRva());
                    if (next != null && end > next) {
                        TypeLayout t = l.layout();
                        add(user.get(c), c.rva(), Rule.GC_MAP_LENGTH, String.format("%s %s: a layout of %d bytes has a GC map of %d byte(s),"
                                + " which runs %d byte(s) into the next signature at 0x%X: the map written is shorter", syms.cellName(c),
                                c.signatureText(), t.size(), TypeLayout.gcMapLength(t.size(), ptr), end - next, next));
                    }
                }
            }
        }

        // ---- code ----

        private void decode() {
            for (RuntimeFunction rf : img.runtimeFunctions()) {
                if (rf.endRva() <= rf.beginRva()) {
                    continue;
                }
                byte[] bytes;
                try {
                    long off = img.pe().rvaToOffset("code", rf.beginRva(), rf.endRva() - rf.beginRva());
                    bytes = img.pe().file().bytes("code", off, (int) (rf.endRva() - rf.beginRva()));
                } catch (RuntimeException e) {
                    continue; // no raw data: nothing to check
                }
                code.put(rf.index(), cs.disassemble(bytes, base + rf.beginRva()));
            }
        }

        private List<CapstoneDisassembler.Instruction> code(int rf) {
            return code.getOrDefault(rf, List.of());
        }

        private long rva(CapstoneDisassembler.Instruction i) {
            return i.address() - base;
        }

        /** The RVA of a direct call's or jump's target (x64 call/jmp, ARM64 bl/b with an immediate), or -1. */
        private long directTarget(CapstoneDisassembler.Instruction i) {
            String mn = i.mnemonic();
            if (!(arm ? mn.equals("bl") || mn.equals("b") : mn.equals("call") || mn.equals("jmp"))) {
                return -1;
            }
            Long t = Operands.immediate(i.opStr());
            return t == null ? -1 : t - base;
        }

        /** B1: each stub calls its own variant directly. */
        private void stubDirectCalls() {
            Set<Long> done = new HashSet<>();
            for (ResumptionStub s : img.resumptionStubs()) {
                if (s.owner() == null || s.runtimeFunction() < 0 || !done.add(s.rva())) {
                    continue;
                }
                boolean direct = false;
                count(Rule.STUB_DIRECT_CALL);
                for (CapstoneDisassembler.Instruction i : code(s.runtimeFunction())) {
                    if (directTarget(i) == s.owner().entryRva() && (i.mnemonic().equals("call") || i.mnemonic().equals("bl"))) {
                        direct = true;
                    }
                }
                if (!direct) {
                    add(syms.methodAt(s.rva()), s.rva(), Rule.STUB_DIRECT_CALL, "no direct call of " + s.owner().label() + " in the stub");
                }
            }
        }

        /** Direct calls and jumps between methods, except a stub's call of its own variant. */
        private void directCalls() {
            Map<Long, ReadyToRunMethod> stubOwner = new HashMap<>();
            for (ResumptionStub s : img.resumptionStubs()) {
                if (s.owner() != null) {
                    stubOwner.put(s.rva(), s.owner());
                }
            }
            for (Map.Entry<Integer, List<CapstoneDisassembler.Instruction>> e : code.entrySet()) {
                ReadyToRunMethod m = syms.ownerOfRuntimeFunction(e.getKey());
                RuntimeFunction rf = img.runtimeFunctions().get(e.getKey());
                for (CapstoneDisassembler.Instruction i : e.getValue()) {
                    long t = directTarget(i);
                    if (t < 0 || (t >= rf.beginRva() && t < rf.endRva())) {
                        continue;
                    }
                    ReadyToRunMethod callee = syms.methodContaining(t);
                    if (callee == null || callee == m) {
                        continue; // outside every method, or the method's own funclet (a call of a finally)
                    }
                    count(Rule.DIRECT_CALLS);
                    if (m != null && stubOwner.get(m.entryRva()) == callee && t == callee.entryRva()) {
                        continue;
                    }
                    add(m, rva(i), Rule.DIRECT_CALLS, i.text() + " -> " + name(t) + ": a direct " + (i.mnemonic().startsWith("j")
                            || i.mnemonic().equals("b") ? "jump" : "call") + " between methods, not through an import cell");
                }
            }
        }

        // ---- x64 suspension sites ----

        private long ripTarget(CapstoneDisassembler.Instruction i) {
            Long rip = Operands.ripRelative(i);
            return rip == null ? -1 : rip - base;
        }

        private void x64Sites(ReadyToRunMethod m, int rf) {
            List<CapstoneDisassembler.Instruction> insns = code(rf);
            Map<String, Long> lea = new HashMap<>();
            for (int k = 0; k < insns.size(); k++) {
                CapstoneDisassembler.Instruction i = insns.get(k);
                List<String> ops = i.operands();
                if (i.mnemonic().equals("lea") && ops.size() == 2 && X64_WIDE.containsKey(ops.get(0))) {
                    long t = ripTarget(i);
                    if (t >= 0) {
                        lea.put(X64_WIDE.get(ops.get(0)), t);
                    } else {
                        lea.remove(X64_WIDE.get(ops.get(0)));
                    }
                    continue;
                }
                Matcher st = i.mnemonic().equals("mov") ? X64_STORE.matcher(i.opStr()) : null;
                if (st != null && st.matches() && st.group(1).equals("qword") && Operands.parse(st.group(3)) == continuation.resumeInfo()
                        && !X64_FRAME.contains(st.group(2)) && lea.containsKey(X64_WIDE.get(st.group(4)))) {
                    x64Site(m, insns, k, st.group(2), lea.get(X64_WIDE.get(st.group(4))));
                } else if (!ops.isEmpty() && X64_WIDE.containsKey(ops.get(0))) {
                    lea.remove(X64_WIDE.get(ops.get(0)));
                }
                if (i.mnemonic().equals("call")) {
                    lea.clear();
                }
            }
        }

        /** The suspension site whose ResumeInfo store is {@code insns[k]}, to continuation register {@code cont}. */
        private void x64Site(ReadyToRunMethod m, List<CapstoneDisassembler.Instruction> insns, int k, String cont, long record) {
            Map<String, Long> imm = new HashMap<>();
            Long flags = null;
            long flagsRva = -1;
            for (int j = Math.max(0, k - FLAGS_WINDOW); j < Math.min(insns.size(), k + FLAGS_WINDOW); j++) {
                CapstoneDisassembler.Instruction i = insns.get(j);
                List<String> ops = i.operands();
                String mn = i.mnemonic();
                if (j > k && (mn.equals("call") || mn.startsWith("j") || mn.equals("ret"))) {
                    break;
                }
                Matcher st = mn.equals("mov") ? X64_STORE.matcher(i.opStr()) : null;
                if (j > k && st != null && st.matches() && st.group(2).equals(cont) && Operands.parse(st.group(3)) == continuation.flags()) {
                    Long v = Operands.immediate(st.group(4));
                    flags = v != null ? v : imm.get(X64_WIDE.get(st.group(4)));
                    flagsRva = rva(i);
                    break;
                }
                if (ops.size() == 2 && X64_WIDE.containsKey(ops.get(0))) {
                    String r = X64_WIDE.get(ops.get(0));
                    Long v = Operands.immediate(ops.get(1));
                    if ((mn.equals("mov") || mn.equals("movabs")) && v != null) {
                        imm.put(r, v);
                    } else if (mn.equals("xor") && ops.get(0).equals(ops.get(1))) {
                        imm.put(r, 0L);
                    } else {
                        imm.remove(r);
                    }
                }
            }
            sites.add(new Site(m, rva(insns.get(k)), record, flagsRva, flags, layoutCellBefore(insns, k), insns, k, cont));
        }

        /** The ContinuationLayout cell the code loads last before {@code insns[k]}, or null. */
        private ImportCell layoutCellBefore(List<CapstoneDisassembler.Instruction> insns, int k) {
            for (int j = k - 1; j >= Math.max(0, k - LAYOUT_WINDOW); j--) {
                ImportCell c = null;
                if (!arm) {
                    long t = ripTarget(insns.get(j));
                    c = t >= 0 ? syms.cellAt(t) : null;
                } else {
                    c = armLoads.get(insns.get(j).address());
                }
                if (c != null && c.signature() != null && c.signature().kind() == ReadyToRunFixupKind.ContinuationLayout) {
                    return c;
                }
            }
            return null;
        }

        // ---- ARM64: x11 protocol, page pairs, suspension sites ----

        /** Cells loaded by ARM64 LDRs, by instruction address (for the layout lookup). */
        private final Map<Long, ImportCell> armLoads = new HashMap<>();

        private void arm64(ReadyToRunMethod m, int rf) {
            List<CapstoneDisassembler.Instruction> insns = code(rf);
            Set<Long> targets = new HashSet<>();
            for (CapstoneDisassembler.Instruction i : insns) {
                String mn = i.mnemonic();
                if (mn.equals("b") || mn.startsWith("b.") || mn.startsWith("cb") || mn.startsWith("tb")) {
                    List<String> ops = i.operands();
                    Long t = ops.isEmpty() ? null : Operands.immediate(ops.get(ops.size() - 1));
                    if (t != null) {
                        targets.add(t);
                    }
                }
            }
            long[] value = new long[31];
            long[] pair = new long[31]; // address of the ADRP that started the register's value, or -1
            ImportCell[] loaded = new ImportCell[31];
            Arrays.fill(value, -1);
            Arrays.fill(pair, -1);
            for (int k = 0; k < insns.size(); k++) {
                CapstoneDisassembler.Instruction i = insns.get(k);
                if (targets.contains(i.address())) {
                    Arrays.fill(value, -1);
                    Arrays.fill(pair, -1);
                    Arrays.fill(loaded, null);
                }
                String mn = i.mnemonic();
                List<String> ops = i.operands();
                int d = ops.isEmpty() ? -1 : Operands.arm64Register(ops.get(0));
                switch (mn) {
                    case "adrp": {
                        Long page = ops.size() > 1 ? Operands.immediate(ops.get(1)) : null;
                        set(d, page == null ? -1 : page, page == null ? -1 : i.address(), value, pair, loaded);
                        break;
                    }
                    case "add": {
                        int n = ops.size() > 2 ? Operands.arm64Register(ops.get(1)) : -1;
                        Long imm = ops.size() > 2 && ops.get(2).startsWith("#") ? Operands.immediate(ops.get(2)) : null;
                        if (d >= 0 && n >= 0 && imm != null && value[n] != -1) {
                            long target = value[n] + imm;
                            if (pair[n] != -1) {
                                count(Rule.PAGE_PAIR);
                            }
                            set(d, target, pair[n], value, pair, loaded);
                            if (pair[n] != -1 && !inImage(target - base)) {
                                pagePair(m, pair[n], i, target, "outside the image");
                            }
                        } else {
                            set(d, -1, -1, value, pair, loaded);
                        }
                        break;
                    }
                    case "ldr": {
                        Matcher mem = ops.size() > 1 ? Operands.ARM64_MEMORY.matcher(ops.get(1)) : null;
                        int b = mem != null && mem.matches() ? Operands.arm64Register(mem.group(1)) : -1;
                        if (d >= 0 && b >= 0 && value[b] != -1) {
                            long at = value[b] + (mem.group(2) == null ? 0 : Operands.parse(mem.group(2)));
                            if (pair[b] != -1 && value[b] == (value[b] & ~0xFFFL)) {
                                count(Rule.PAGE_PAIR); // ADRP + LDR (an ADRP + ADD pair was counted at the ADD)
                            }
                            ImportCell c = syms.cellAt(at - base);
                            if (pair[b] != -1 && c == null && inImportSection(at - base)) {
                                pagePair(m, pair[b], i, at, "inside an import section but on no cell");
                            } else if (pair[b] != -1 && !inImage(at - base)) {
                                pagePair(m, pair[b], i, at, "outside the image");
                            }
                            set(d, -1, -1, value, pair, loaded);
                            loaded[d] = c;
                            if (c != null) {
                                armLoads.put(i.address(), c);
                            }
                        } else {
                            set(d, -1, -1, value, pair, loaded);
                        }
                        break;
                    }
                    case "movz":
                    case "mov":
                    case "movk":
                        set(d, moved(mn, ops, d < 0 ? -1 : value[d]), -1, value, pair, loaded);
                        break;
                    case "str": {
                        armStore(m, insns, k, value, pair);
                        break;
                    }
                    case "blr":
                    case "br": {
                        if (d >= 0 && loaded[d] != null && isDelayLoaded(loaded[d])) {
                            count(Rule.X11_CELL);
                            long cell = loaded[d].rva() + base;
                            if (value[11] != cell) {
                                add(m, rva(i), Rule.X11_CELL, i.text() + " through " + syms.describeCell(loaded[d]) + " with x11 "
                                        + (value[11] == -1 ? "not set to it" : "= " + name(value[11] - base)));
                            }
                        }
                        if (mn.equals("blr")) {
                            clobber(value, pair, loaded);
                        }
                        break;
                    }
                    case "bl":
                        clobber(value, pair, loaded);
                        break;
                    default:
                        if (d >= 0 && writesFirstOperand(mn)) {
                            set(d, -1, -1, value, pair, loaded);
                        }
                        break;
                }
            }
        }

        /**
         * The constant an ARM64 {@code mov}, {@code movz} or {@code movk} leaves in its destination, given the
         * destination's value before ({@code movk} keeps the other halfwords), or -1 when it is no known constant.
         */
        private static long moved(String mn, List<String> ops, long before) {
            if (ops.size() < 2) {
                return -1;
            }
            if (ops.get(1).equals("xzr") || ops.get(1).equals("wzr")) {
                return mn.equals("movk") ? -1 : 0;
            }
            Long imm = Operands.immediate(ops.get(1));
            if (imm == null) {
                return -1;
            }
            if (!mn.equals("movk")) {
                return imm;
            }
            int shift = ops.size() > 2 && ops.get(2).startsWith("lsl #") ? Integer.parseInt(ops.get(2).substring(5)) : 0;
            return before == -1 ? -1 : before & ~(0xFFFFL << shift) | imm << shift;
        }

        /** Whether an ARM64 instruction writes its first operand (not a store, compare, test or branch). */
        private static boolean writesFirstOperand(String mn) {
            return !mn.startsWith("st") && !mn.startsWith("b") && !mn.startsWith("cb") && !mn.startsWith("tb") && !NO_WRITE.contains(mn);
        }

        private static final Set<String> NO_WRITE = Set.of("cmp", "cmn", "ccmp", "ccmn", "tst", "ret", "nop", "brk", "prfm", "dmb", "dsb", "isb");

        private static void set(int d, long v, long adrp, long[] value, long[] pair, ImportCell[] loaded) {
            if (d >= 0) {
                value[d] = v;
                pair[d] = adrp;
                loaded[d] = null;
            }
        }

        /** A call clobbers x0-x18 (the caller-saved registers, x11 and x16 among them). */
        private static void clobber(long[] value, long[] pair, ImportCell[] loaded) {
            for (int r = 0; r <= 18; r++) {
                set(r, -1, -1, value, pair, loaded);
            }
        }

        /**
         * A cell that starts out pointing at a delay-load thunk, which finds the cell through x11. Eager
         * cells and cells a fixup list resolves before the method runs hold their final value when called.
         */
        private boolean isDelayLoaded(ImportCell c) {
            return c.value() != 0 && syms.thunks().containsKey(c.value() - base);
        }

        private boolean inImage(long rva) {
            return rva >= 0 && rva < img.pe().sizeOfImage() && img.pe().sectionForRva(rva) != null;
        }

        private boolean inImportSection(long rva) {
            for (ImportSection s : img.importSections()) {
                if (rva >= s.rva() && rva < s.rva() + s.size()) {
                    return true;
                }
            }
            return false;
        }

        private void pagePair(ReadyToRunMethod m, long adrp, CapstoneDisassembler.Instruction use, long target, String why) {
            add(m, adrp - base, Rule.PAGE_PAIR, String.format("adrp at 0x%X with %s addresses 0x%X, %s", adrp - base, use.text(), target - base, why));
        }

        /** An ARM64 store: a ResumeInfo store when a page pair's address goes to +2 pointers of a register. */
        private void armStore(ReadyToRunMethod m, List<CapstoneDisassembler.Instruction> insns, int k, long[] value, long[] pair) {
            CapstoneDisassembler.Instruction i = insns.get(k);
            List<String> ops = i.operands();
            Matcher mem = ops.size() == 2 ? Operands.ARM64_MEMORY.matcher(ops.get(1)) : null;
            if (mem == null || !mem.matches() || mem.group(2) == null || m.kind() != CodeBodyKind.ASYNC_VARIANT) {
                return;
            }
            int s = Operands.arm64Register(ops.get(0));
            int b = Operands.arm64Register(mem.group(1));
            if (s < 0 || b < 0 || b == 29 || Operands.parse(mem.group(2)) != continuation.resumeInfo() || pair[s] == -1 || value[s] == -1
                    || !ops.get(0).startsWith("x")) {
                return;
            }
            long record = value[s] - base;
            ImageSymbols.ResumeInfo held = syms.resumeInfoAt(record);
            if (held == null) {
                pagePair(m, pair[s], i, value[s], "stored as a ResumeInfo record but holding none");
                offPairSites.add(rva(i));
            } else if (!ownRecord(m, held)) {
                long own = ownRecordOnAnotherPage(m, record);
                if (own >= 0) {
                    pagePair(m, pair[s], i, value[s], String.format("stored as a ResumeInfo record but holding another variant's, %s;"
                            + " the variant's own record at 0x%X has the same page offset", syms.describeResumeInfo(held), own));
                    offPairSites.add(rva(i));
                }
            }
            // The Flags: the immediate stored to the same register at +3 pointers within the next few instructions.
            long[] imm = value.clone();
            Long flags = null;
            long flagsRva = -1;
            for (int j = k + 1; j < Math.min(insns.size(), k + FLAGS_WINDOW); j++) {
                CapstoneDisassembler.Instruction f = insns.get(j);
                List<String> fo = f.operands();
                int d = fo.isEmpty() ? -1 : Operands.arm64Register(fo.get(0));
                if (f.mnemonic().startsWith("b") || f.mnemonic().equals("ret")) {
                    break;
                }
                Matcher fm = fo.size() == 2 ? Operands.ARM64_MEMORY.matcher(fo.get(1)) : null;
                if (f.mnemonic().equals("str") && fm != null && fm.matches() && fm.group(2) != null && Operands.arm64Register(fm.group(1)) == b
                        && Operands.parse(fm.group(2)) == continuation.flags()) {
                    if (d >= 0 && imm[d] != -1) {
                        flags = imm[d];
                    } else if (fo.get(0).equals("wzr") || fo.get(0).equals("xzr")) {
                        flags = 0L;
                    }
                    flagsRva = rva(f);
                    break;
                }
                String fmn = f.mnemonic();
                if (d >= 0 && (fmn.equals("movz") || fmn.equals("mov") || fmn.equals("movk"))) {
                    imm[d] = moved(fmn, fo, imm[d]); // the State beside the Flags: movz x9, #0x9; movk x9, #0x1, lsl #32
                } else if (d >= 0 && !fmn.startsWith("st")) {
                    imm[d] = -1;
                }
            }
            sites.add(new Site(m, rva(i), record, flagsRva, flags, layoutCellBefore(insns, k), insns, k, "x" + b));
        }

        /** Whether {@code r} is one of {@code variant}'s records: it resumes through the variant's stub at an IP inside the variant. */
        private boolean ownRecord(ReadyToRunMethod variant, ImageSymbols.ResumeInfo r) {
            return stubRvas(variant).contains(r.resumeRva()) && inside(variant, r.diagnosticIpRva());
        }

        /**
         * A record of {@code variant} at the page offset of {@code record} on another page of its section, or -1. A
         * page pair whose ADRP is off keeps the ADD's low 12 bits: when it lands on another variant's record while one of
         * the variant's own records sits at the same page offset, the pair is at fault, not the record (B3).
         */
        private long ownRecordOnAnotherPage(ReadyToRunMethod variant, long record) {
            SectionHeader section = img.pe().sectionForRva(record);
            if (section == null) {
                return -1;
            }
            long end = section.virtualAddress() + section.sizeOfRawData(); // raw size: checked against the file
            for (long at = (section.virtualAddress() & ~0xFFFL) + (record & 0xFFF); at < end; at += 0x1000) {
                if (at != record && at >= section.virtualAddress()) {
                    ImageSymbols.ResumeInfo r = syms.resumeInfoAt(at);
                    if (r != null && ownRecord(variant, r)) {
                        return at;
                    }
                }
            }
            return -1;
        }

        // ---- suspension sites ----

        private List<Long> stubRvas(ReadyToRunMethod variant) {
            return cellsOfKind(variant, ReadyToRunFixupKind.ResumptionStubEntryPoint).stream()
                    .map(c -> ((FixupSignature.ResumptionStubEntryPoint) c.signature()).stubRva()).distinct().collect(Collectors.toList());
        }

        private void resumeInfo(Site s) {
            if (offPairSites.contains(s.storeRva())) {
                return;
            }
            count(Rule.RESUME_INFO);
            ImageSymbols.ResumeInfo r = syms.readResumeInfo(s.recordRva());
            if (r == null) {
                add(s.variant(), s.storeRva(), Rule.RESUME_INFO, String.format("stores 0x%X as its ResumeInfo, where the image holds no record", s.recordRva()));
                return;
            }
            List<Long> stubs = stubRvas(s.variant());
            if (!stubs.contains(r.resumeRva())) {
                add(s.variant(), s.storeRva(), Rule.RESUME_INFO, String.format("ResumeInfo at 0x%X resumes through %s, not %s", r.rva(),
                        name(r.resumeRva()), stubs.isEmpty() ? "a stub (the variant registers none)"
                                : stubs.stream().map(this::name).collect(Collectors.joining(" or ")) + ", which its ResumptionStubEntryPoint fixup registers"));
            }
            if (!inside(s.variant(), r.diagnosticIpRva())) {
                add(s.variant(), s.storeRva(), Rule.RESUME_INFO, String.format("ResumeInfo at 0x%X has its DiagnosticIP at %s, outside the variant",
                        r.rva(), name(r.diagnosticIpRva())));
            }
        }

        /** The ContinuationLayout cell of a site: the one its code loads, else the variant's largest; null when it names none. */
        private ImportCell layoutOf(Site s) {
            List<ImportCell> layouts = cellsOfKind(s.variant(), ReadyToRunFixupKind.ContinuationLayout);
            return s.layoutCell() != null && layouts.contains(s.layoutCell()) ? s.layoutCell()
                    : layouts.stream().max(Comparator.comparingInt(c -> ((FixupSignature.Layout) c.signature()).layout().size())).orElse(null);
        }

        /**
         * The stores of a suspension into its continuation's data area, from the ResumeInfo store to the block's end (a
         * return, an unconditional jump, the next site): a reference stored through WriteBarrier or CheckedWriteBarrier
         * (its destination {@code lea rcx/rdi, [C + off]}, ARM64 {@code add x14, xC, #off}) must be in a cell the layout's
         * GC map marks; a register stored plainly ({@code mov [C + off], reg}, {@code str xR, [xC, #off]}) is an
         * integer, its cell clear (a GC would take it for a reference). The continuation register is followed through
         * moves from the frame slot it was loaded from; calls forget the volatile registers.
         */
        private void continuationGcMap(Site s, Set<Long> siteRvas) {
            ImportCell cell = layoutOf(s);
            if (cell == null) {
                return;
            }
            TypeLayout layout = ((FixupSignature.Layout) cell.signature()).layout();
            List<CapstoneDisassembler.Instruction> insns = s.code();
            String cont = arm ? s.continuationRegister() : X64_WIDE.getOrDefault(s.continuationRegister(), s.continuationRegister());
            Set<String> conts = new HashSet<>(Set.of(cont));
            String home = null;
            for (int j = s.index() - 1; j >= Math.max(0, s.index() - 8) && home == null; j--) {
                List<String> ops = insns.get(j).operands();
                String mn = insns.get(j).mnemonic();
                if (ops.size() == 2 && (mn.equals("mov") || mn.equals("ldr")) && wide(ops.get(0)).equals(cont) && ops.get(1).contains("[")) {
                    home = ops.get(1);
                }
            }
            Map<String, Long> destination = new HashMap<>();
            for (int j = s.index() + 1; j < Math.min(insns.size(), s.index() + 600); j++) {
                CapstoneDisassembler.Instruction i = insns.get(j);
                String mn = i.mnemonic();
                List<String> ops = i.operands();
                if (mn.equals("ret") || mn.equals("jmp") || mn.equals("b") || siteRvas.contains(rva(i))) {
                    return;
                }
                boolean call = mn.equals("call") || mn.equals("bl") || mn.equals("blr");
                if (call) {
                    ImportCell target = arm ? armBarrierCell(insns, j) : syms.cellAt(ripTarget(i));
                    if (isWriteBarrier(target)) {
                        Long off = destination.get(arm ? "x14" : destination.containsKey("rcx") ? "rcx" : "rdi");
                        if (off != null) {
                            checkCell(s, i, layout, cell, off, true);
                        }
                    }
                    conts.removeIf(r -> !calleeSaved(r));
                    destination.clear();
                    continue;
                }
                String dst = ops.isEmpty() ? null : wide(ops.get(0));
                Matcher st = !arm && mn.equals("mov") ? X64_STORE.matcher(i.opStr()) : null;
                if (st != null && st.matches()) {
                    if (st.group(1).equals("qword") && conts.contains(st.group(2)) && X64_WIDE.containsKey(st.group(4))) {
                        checkCell(s, i, layout, cell, Operands.parse(st.group(3)), false);
                    }
                    continue;
                }
                Matcher mem = arm && ops.size() == 2 ? Operands.ARM64_MEMORY.matcher(ops.get(1)) : null;
                if (arm && mn.equals("str") && mem != null && mem.matches()) {
                    if (mem.group(2) != null && conts.contains(mem.group(1)) && ops.get(0).startsWith("x")) {
                        checkCell(s, i, layout, cell, Operands.parse(mem.group(2)), false);
                    }
                    continue;
                }
                if (dst == null || mn.startsWith("st") || mn.equals("cmp") || mn.equals("test") || mn.startsWith("j") || mn.startsWith("b")
                        || mn.startsWith("cb")) {
                    continue;
                }
                boolean fromHome = ops.size() == 2 && (mn.equals("mov") || mn.equals("ldr")) && ops.get(1).equals(home);
                Long field = null;
                if (mn.equals("lea") && ops.size() == 2) {
                    Matcher a = X64_FIELD_ADDRESS.matcher(ops.get(1));
                    if (a.matches() && conts.contains(a.group(1))) {
                        field = Operands.parse(a.group(2));
                    }
                } else if (mn.equals("add") && ops.size() == 3 && conts.contains(ops.get(1)) && ops.get(2).startsWith("#")) {
                    field = Operands.immediate(ops.get(2));
                }
                conts.remove(dst);
                destination.remove(dst);
                if (fromHome) {
                    conts.add(dst);
                } else if (field != null) {
                    destination.put(dst, field);
                }
            }
        }

        /** A reference (through a barrier) must be in a marked cell, an integer (stored plainly) in a clear one. */
        private void checkCell(Site s, CapstoneDisassembler.Instruction i, TypeLayout layout, ImportCell cell, long offset, boolean reference) {
            long data = offset - continuation.data();
            if (data < 0 || data >= layout.size() || data % ptr != 0) {
                return;
            }
            count(Rule.CONTINUATION_GC_MAP);
            int index = (int) (data / ptr);
            if (layout.isReference(index) != reference) {
                add(s.variant(), rva(i), Rule.CONTINUATION_GC_MAP, String.format("stores %s into data cell %d (+0x%X), which the GC map of"
                        + " %s (%s) %s", reference ? "a reference through a write barrier" : "a register plainly (an integer)", index, offset,
                        syms.cellName(cell), layout, reference ? "leaves clear: the GC neither traces nor updates it" : "marks as a reference"));
            }
        }

        /** The cell an ARM64 {@code blr} at {@code k} calls: the cell loaded by the LDR just before it, or null. */
        private ImportCell armBarrierCell(List<CapstoneDisassembler.Instruction> insns, int k) {
            for (int j = k - 1; j >= Math.max(0, k - 3); j--) {
                ImportCell c = armLoads.get(insns.get(j).address());
                if (c != null) {
                    return c;
                }
            }
            return null;
        }

        private static boolean isWriteBarrier(ImportCell c) {
            return c != null && c.signature() instanceof FixupSignature.Helper h
                    && (h.helperId() == ReadyToRunHelper.WriteBarrier.id || h.helperId() == ReadyToRunHelper.CheckedWriteBarrier.id);
        }

        /** Registers a call keeps (x64 Windows and System V alike: RSI/RDI are taken as volatile; ARM64 x19-x28). */
        private boolean calleeSaved(String r) {
            if (arm) {
                int n = Operands.arm64Register(r);
                return n >= 19 && n <= 28;
            }
            return Set.of("rbx", "rbp", "r12", "r13", "r14", "r15").contains(r);
        }

        /** A register's 64-bit name (x64 {@code ecx} gives {@code rcx}); other operands as they are. */
        private String wide(String operand) {
            return arm || !X64_WIDE.containsKey(operand) ? operand : X64_WIDE.get(operand);
        }

        private void flags(Site s) {
            if (s.flags() == null) {
                return;
            }
            count(Rule.CONTINUATION_FLAGS);
            int f = (int) (long) s.flags();
            ImportCell cell = layoutOf(s);
            if (cell == null) {
                add(s.variant(), s.flagsRva(), Rule.CONTINUATION_FLAGS, String.format("Flags 0x%X: the variant names no ContinuationLayout cell", f));
                return;
            }
            TypeLayout layout = ((FixupSignature.Layout) cell.signature()).layout();
            ContinuationFlags split = ContinuationFlags.R2R_18_5;
            int[] index = {split.exceptionIndex(f), split.continuationContextIndex(f), split.resultIndex(f)};
            String[] what = {"exception", "continuation context", "result"};
            List<String> problems = new ArrayList<>();
            for (int n = 0; n < index.length; n++) {
                if (index[n] != 0 && (long) index[n] * ptr > layout.size()) {
                    problems.add(String.format("the %s index %d names +0x%X, past the %d-byte data area", what[n], index[n],
                            continuation.slot(index[n]), layout.size()));
                }
            }
            if (index[0] != 0 && (long) index[0] * ptr <= layout.size() && !layout.isReference(index[0] - 1)) {
                problems.add("the exception slot " + index[0] + " is no reference in the GC map");
            }
            if (!problems.isEmpty()) {
                add(s.variant(), s.flagsRva(), Rule.CONTINUATION_FLAGS, String.format("Flags 0x%X read in the split %s, against %s (%s): %s", f,
                        split.name(), syms.cellName(cell), layout, String.join("; ", problems)));
            }
        }
    }
}
