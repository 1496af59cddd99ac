package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioBuilder;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/** Capstone decodes every emitted instruction; the call shapes are the ones the runtime's protocols need. */
class EmittedCodeShapeTest {
    /** An immediate as Capstone prints it: hex with 0x, or small values in decimal. */
    private static final Pattern HEX = Pattern.compile("#?(-?0x[0-9a-f]+|-?\\d+)");

    /** Cell address (image base + RVA) -> the cell. */
    private static Map<Long, ImportCell> cells(R2RImage img) {
        Map<Long, ImportCell> out = new HashMap<>();
        for (ImportSection is : img.importSections()) {
            for (ImportCell c : is.cells()) {
                out.put(img.pe().imageBase() + c.rva(), c);
            }
        }
        return out;
    }

    private static long hex(String s) {
        Matcher m = HEX.matcher(s);
        assertTrue(m.find(), s);
        return Long.decode(m.group(1));
    }

    private static List<Disassembler.Insn> disassemble(Disassembler d, R2RImage img, RuntimeFunction rf) {
        byte[] code = Emitted.code(img, rf);
        List<Disassembler.Insn> insns = d.disassemble(code, img.pe().imageBase() + rf.beginRva());
        int decoded = insns.stream().mapToInt(Disassembler.Insn::size).sum();
        assertEquals(code.length, decoded, "Capstone decodes all of runtime function " + rf.index() + " (stopped after "
                + (insns.isEmpty() ? "nothing" : insns.get(insns.size() - 1)) + ")");
        return insns;
    }

    @Test
    void x64_everyInstructionDecodes_andCellCallsUseRipRelativeForm() {
        try (Disassembler d = new Disassembler(false)) {
            for (Path p : Emitted.examples()) {
                R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario(p), Architecture.X64));
                Map<Long, ImportCell> cells = cells(img);
                int cellCalls = 0;
                for (RuntimeFunction rf : img.runtimeFunctions()) {
                    List<Disassembler.Insn> insns = disassemble(d, img, rf);
                    for (int i = 0; i < insns.size(); i++) {
                        Disassembler.Insn in = insns.get(i);
                        if (in.mnemonic().equals("call") && in.operands().startsWith("qword ptr [rip")) {
                            // call [rip+disp32] is FF 15 and ends with the displacement, as the worker needs.
                            assertEquals(6, in.size(), in.toString());
                            long target = in.address() + in.size() + hex(in.operands().replace("rip + ", "").replace("rip - ", "-"));
                            assertTrue(cells.containsKey(target), p + ": " + in + " -> " + Long.toHexString(target) + " is a cell");
                            cellCalls++;
                        }
                        if (in.mnemonic().equals("jmp") && in.operands().equals("qword ptr [rax]")) {
                            Disassembler.Insn lea = insns.get(i - 1);
                            assertEquals("lea", lea.mnemonic(), "the tail jump loads the cell into rax first");
                            long target = lea.address() + lea.size() + hex(lea.operands().replace("rip + ", ""));
                            assertEquals(4, cells.get(target).section(), "tail jump through a MethodImports cell");
                        }
                    }
                }
                assertTrue(cellCalls > 0, p.toString());
            }
        }
    }

    @Test
    void arm64_everyInstructionDecodes_andEveryCellCallSetsX11() {
        try (Disassembler d = new Disassembler(true)) {
            for (Path p : Emitted.examples()) {
                R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario(p), Architecture.ARM64));
                Map<Long, ImportCell> cells = cells(img);
                int calls = 0;
                for (RuntimeFunction rf : img.runtimeFunctions()) {
                    List<Disassembler.Insn> insns = disassemble(d, img, rf);
                    for (int i = 0; i < insns.size(); i++) {
                        Disassembler.Insn in = insns.get(i);
                        if ((in.mnemonic().equals("blr") || in.mnemonic().equals("br")) && in.operands().equals("x16")) {
                            // adrp x11, page; add x11, x11, #lo; ldr x16, [x11]; blr/br x16
                            Disassembler.Insn ldr = insns.get(i - 1);
                            Disassembler.Insn add = insns.get(i - 2);
                            Disassembler.Insn adrp = insns.get(i - 3);
                            assertEquals("ldr x16, [x11]", ldr.mnemonic() + " " + ldr.operands(), p + " at " + in);
                            assertTrue(add.operands().startsWith("x11, x11, #"), add.toString());
                            assertTrue(adrp.mnemonic().equals("adrp") && adrp.operands().startsWith("x11, "), adrp.toString());
                            long cell = hex(adrp.operands().substring(4)) + hex(add.operands().substring(9));
                            assertTrue(cells.containsKey(cell), p + ": x11 = 0x" + Long.toHexString(cell) + " is the cell address");
                            calls++;
                        }
                    }
                }
                assertTrue(calls > 0, p.toString());
            }
        }
    }

    /**
     * Many async variants, each with three awaits, so that some ResumeInfo table straddles a 4 KiB page:
     * the page-relative pair that addresses record k must still land exactly on it.
     */
    static Scenario manyAwaits(int methods) {
        ScenarioBuilder b = ScenarioBuilder.create("many-awaits.yaml").module("ManyAwaits").type("Demo.Many");
        for (int i = 0; i < methods; i++) {
            b.staticMethod("M" + i).async().returnsInt().params("a").body("await yield\nvar x = a + " + i + "\nawait yield\nawait yield\nreturn x");
        }
        return b.build();
    }

    @Test
    void arm64_pageRelativePairsAddressTheirResumeInfoRecords_evenAcrossPages() {
        R2RImage img = Emitted.read(Emitted.emit(manyAwaits(120), Architecture.ARM64));
        int crossings = checkResumeInfoPairs(img);
        assertTrue(crossings > 0, "some record lies on another page than its table start");
    }

    /** Returns how many pairs address a record on another page than the first record of the same method. */
    static int checkResumeInfoPairs(R2RImage img) {
        int crossings = 0;
        try (Disassembler d = new Disassembler(true)) {
            for (ReadyToRunMethod m : img.methods()) {
                if (m.kind() != CodeBodyKind.ASYNC_VARIANT) {
                    continue;
                }
                RuntimeFunction rf = img.runtimeFunctions().get(m.entryRuntimeFunction());
                List<Disassembler.Insn> insns = disassemble(d, img, rf);
                List<Long> records = new ArrayList<>();
                for (int i = 1; i < insns.size(); i++) {
                    Disassembler.Insn adrp = insns.get(i - 1);
                    Disassembler.Insn add = insns.get(i);
                    // (x11: a cell of the delay-load protocol; x12: the write barrier's cell)
                    if (adrp.mnemonic().equals("adrp") && !adrp.operands().startsWith("x11") && !adrp.operands().startsWith("x12")
                            && add.mnemonic().equals("add")) {
                        String reg = adrp.operands().substring(0, adrp.operands().indexOf(','));
                        if (!add.operands().startsWith(reg + ", " + reg + ", #")) {
                            continue;
                        }
                        long address = hex(adrp.operands().substring(reg.length() + 2)) + hex(add.operands().substring(2 * reg.length() + 4));
                        long rva = address - img.pe().imageBase();
                        // A ResumeInfo record: Resume = a stub's address, DiagnosticIP = inside this method.
                        long off = img.pe().rvaToOffset("ResumeInfo", rva, 16);
                        long resume = img.pe().file().u64("ResumeInfo", off) - img.pe().imageBase();
                        long diag = img.pe().file().u64("ResumeInfo", off + 8) - img.pe().imageBase();
                        assertTrue(img.resumptionStubs().stream().anyMatch(s -> s.rva() == resume && s.owner() == m),
                                m.name() + ": record at 0x" + Long.toHexString(rva) + " names this method's stub");
                        assertTrue(diag >= rf.beginRva() && diag < rf.endRva(), "DiagnosticIP inside " + m.name());
                        records.add(rva);
                    }
                }
                assertEquals(3, records.size(), m.name() + " has one record per await");
                long first = records.stream().mapToLong(Long::longValue).min().orElseThrow();
                for (long r : records) {
                    if ((r & ~0xFFFL) != (first & ~0xFFFL)) {
                        crossings++;
                    }
                }
            }
        }
        return crossings;
    }
}
