package r2rlab.emitter.arm64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_BRANCH26;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_DIR64;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Defect;
import r2rlab.emitter.codegen.CodeFragment;
import r2rlab.emitter.codegen.CompiledBody;
import r2rlab.emitter.codegen.FakeCodegenContext;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.Lowering;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.Relocation;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.arm64.UnwindCode;

class Arm64BackendTest {
    private static final Arm64Backend BACKEND = new Arm64Backend();

    // ------------------------------------------------------------------ scenarios

    static Path examples() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("examples"))) {
            dir = dir.getParent();
        }
        if (dir == null) throw new IllegalStateException("examples/ not found");
        return dir.resolve("examples");
    }

    static List<Scenario> exampleScenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(examples())) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
        }
        assertEquals(8, files.size(), "example scenarios: " + files);
        List<Scenario> out = new ArrayList<>();
        for (Path f : files) {
            out.add(ScenarioParser.parse(f.getFileName().toString(), Files.readString(f)));
        }
        return out;
    }

    /** Three awaits (two with values, one yield), nine parameters (stack arguments), division and a Tier1 version. */
    static final String MULTI = String.join("\n",
            "module: Multi",
            "types:",
            "  - name: Demo.Multi",
            "    methods:",
            "      - name: Run",
            "        async: true",
            "        tier1: true",
            "        params: [a, b, c, d, e, f, g, h, i]",
            "        returns: int",
            "        body: |",
            "          var x = await Demo.Multi.Leaf(a / b)",
            "          await yield",
            "          var y = await cell Demo.Multi.Leaf(x % c)",
            "          return x + y + i",
            "      - name: Leaf",
            "        async: true",
            "        params: [v]",
            "        returns: int",
            "        body: |",
            "          return v",
            "      - name: Many",
            "        params: [a, b, c, d, e, f, g, h, i]",
            "        returns: int",
            "        body: |",
            "          return call Demo.Multi.Many(a, b, c, d, e, f, g, h, i - 1) + call cell Demo.Multi.Many(i, h, g, f, e, d, c, b, a)",
            "");

    static Scenario multi() {
        return ScenarioParser.parse("multi.yaml", MULTI);
    }

    /** A method with more than 62 slots: the frame exceeds the 512 bytes save_fplr_x can describe. */
    static Scenario bigFrame() {
        StringBuilder body = new StringBuilder();
        for (int k = 0; k < 70; k++) body.append("          var v").append(k).append(" = ").append(k).append('\n');
        body.append("          await yield\n");
        body.append("          return v0 + v69\n");
        String yaml = "module: Big\ntypes:\n  - name: Demo.Big\n    methods:\n      - name: Wide\n        async: true\n"
                + "        returns: int\n        body: |\n" + body;
        return ScenarioParser.parse("big.yaml", yaml);
    }

    static MethodDecl method(Scenario s, String fullName) {
        return s.methods().filter(m -> m.fullName().equals(fullName)).findFirst()
                .orElseThrow(() -> new AssertionError("no method " + fullName));
    }

    /** Every body of every method of {@code s}, as the emitter would compile them. */
    static List<CompiledBody> compileAll(Scenario s, FakeCodegenContext ctx) {
        List<CompiledBody> out = new ArrayList<>();
        for (MethodDecl m : s.methods().collect(Collectors.toList())) {
            if (!m.isAsync()) {
                out.add(BACKEND.compileMethod(Lowering.lower(m, CodeVersion.R2R), ctx));
                continue;
            }
            out.add(BACKEND.compileTaskThunk(Lowering.lower(m, CodeVersion.R2R), ctx));
            List<CodeVersion> versions = m.tier1() ? List.of(CodeVersion.R2R, CodeVersion.TIER1) : List.of(CodeVersion.R2R);
            for (CodeVersion v : versions) {
                MethodIr ir = Lowering.lower(m, v);
                out.add(BACKEND.compileAsyncVariant(ir, ctx));
                if (ir.needsResumptionStub()) {
                    out.add(BACKEND.compileResumptionStub(ir, ctx));
                }
            }
        }
        return out;
    }

    static List<Scenario> allScenarios() throws IOException {
        List<Scenario> all = new ArrayList<>(exampleScenarios());
        all.add(multi());
        all.add(bigFrame());
        return all;
    }

    // ------------------------------------------------------------------ instruction decoding

    static int word(byte[] code, int off) {
        return (code[off] & 0xFF) | (code[off + 1] & 0xFF) << 8 | (code[off + 2] & 0xFF) << 16 | (code[off + 3] & 0xFF) << 24;
    }

    static boolean isAdrp(int w, int rd) {
        return (w & 0x9F00001F) == (0x90000000 | rd);
    }

    static boolean isAddImm(int w, int rd, int rn) {
        return (w & 0xFFC003FF) == (0x91000000 | rn << 5 | rd);
    }

    /** {@code ldr xt, [xn]} (unsigned offset 0). */
    static boolean isLdr0(int w, int rt, int rn) {
        return w == (0xF9400000 | rn << 5 | rt);
    }

    static boolean isBlr(int w, int rn) {
        return w == (0xD63F0000 | rn << 5);
    }

    static boolean isBr(int w, int rn) {
        return w == (0xD61F0000 | rn << 5);
    }

    static boolean isBl(int w) {
        return w == 0x94000000;
    }

    static boolean isBlrAny(int w) {
        return (w & 0xFFFFFC1F) == 0xD63F0000;
    }

    static Relocation relocAt(CodeFragment f, int offset) {
        Relocation found = null;
        for (Relocation r : f.relocations()) {
            if (r.offset() == offset) {
                assertEquals(null, found, "two relocations at " + offset);
                found = r;
            }
        }
        return found;
    }

    /** True when the disassembled instruction writes x11/w11 (its first operand is the destination). */
    static boolean writesX11(String line) {
        return line.matches("^[a-z.]+ [wx]11(,.*)?$") && !line.startsWith("str") && !line.startsWith("stp")
                && !line.startsWith("cbz") && !line.startsWith("cbnz") && !line.startsWith("cmp");
    }

    /** The prolog of a fragment as unwind codes, decoded from the instruction words. */
    static List<UnwindCode> prologFromInstructions(byte[] code, int prologSize) {
        List<UnwindCode> out = new ArrayList<>();
        for (int off = 0; off < prologSize; off += 4) {
            int w = word(code, off);
            if ((w & 0xFFC07FFF) == 0xA9807BFD) {               // stp x29, x30, [sp, #imm]!
                int imm7 = (w >> 15) & 0x7F;
                if (imm7 >= 64) imm7 -= 128;
                out.add(UnwindCode.saveFpLrX(imm7 * 8));
            } else if (w == 0x910003FD) {                        // mov x29, sp
                out.add(UnwindCode.setFp());
            } else if ((w & 0xFFC07FFF) == 0xA90053F3) {        // stp x19, x20, [sp, #imm]
                out.add(UnwindCode.saveRegp(19, ((w >> 15) & 0x7F) * 8));
            } else if ((w & 0xFF8003FF) == 0xD10003FF) {        // sub sp, sp, #imm{, lsl #12}
                int imm = (w >> 10) & 0xFFF;
                out.add(UnwindCode.alloc((w & 1 << 22) != 0 ? imm << 12 : imm));
            } else {
                fail(String.format("unexpected prolog instruction %08X at %d", w, off));
            }
        }
        return out;
    }

    static List<UnwindCode> withEnd(List<UnwindCode> codes) {
        List<UnwindCode> out = new ArrayList<>(codes);
        out.add(UnwindCode.end());
        return out;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void machineIsArm64() {
        assertEquals(Machine.ARM64, BACKEND.machine());
        assertEquals(0xAA64, BACKEND.machine().value, "IMAGE_FILE_MACHINE_ARM64");
    }

    @Test
    void everyBodyOfEveryScenarioDisassembles() throws IOException {
        List<FakeCodegenContext> configs = List.of(new FakeCodegenContext(),
                new FakeCodegenContext(Defect.B1_STUB_CALLS_THROUGH_CELL, Defect.B2_HELPER_CALL_WITHOUT_X11,
                        Defect.B2_JMP_EPILOG_X16, Defect.B4_HOT_COLD_SPLIT));
        int fragments = 0;
        List<CodeBodyKind> kinds = new ArrayList<>();
        List<CodeVersion> versions = new ArrayList<>();
        for (FakeCodegenContext ctx : configs) {
            for (Scenario s : allScenarios()) {
                for (CompiledBody body : compileAll(s, ctx)) {
                    kinds.add(body.kind());
                    versions.add(body.version());
                    for (CodeFragment f : body.fragments()) {
                        byte[] code = f.code();
                        assertEquals(0, code.length % 4, f.symbol());
                        List<String> lines = LlvmMc.disassemble(code);
                        assertEquals(code.length / 4, lines.size(), f.symbol() + ": " + lines);
                        for (String l : lines) {
                            assertFalse(l.contains("unknown") || l.startsWith("udf"), f.symbol() + ": " + l);
                        }
                        for (Relocation r : f.relocations()) {
                            assertTrue(r.offset() >= 0 && r.offset() < code.length && r.offset() % 4 == 0, f.symbol() + " " + r);
                        }
                        fragments++;
                    }
                }
            }
        }
        assertTrue(fragments > 50, "fragments " + fragments);
        for (CodeBodyKind k : CodeBodyKind.values()) assertTrue(kinds.contains(k), "no " + k);
        assertTrue(versions.contains(CodeVersion.TIER1));
    }

    @Test
    void unwindInfoDescribesTheEmittedPrologAndEpilogs() throws IOException {
        for (FakeCodegenContext ctx : List.of(new FakeCodegenContext(), new FakeCodegenContext(Defect.B4_HOT_COLD_SPLIT))) {
            for (Scenario s : allScenarios()) {
                for (CompiledBody body : compileAll(s, ctx)) {
                    List<UnwindCode> hotProlog = null;
                    for (int k = 0; k < body.fragments().size(); k++) {
                        CodeFragment f = body.fragments().get(k);
                        byte[] code = f.code();
                        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(f.unwindInfo(), 0);
                        assertEquals(code.length, d.functionLength(), f.symbol());
                        assertEquals(f.unwindInfo().length, d.unwindSize(), f.symbol());
                        assertFalse(d.exceptionDataPresent(), "raw record has X clear: " + f.symbol());
                        assertTrue(Arm64UnwindInfo.decode(BACKEND.withHandlerFlag(f.unwindInfo()), 0).exceptionDataPresent());
                        List<UnwindCode> codes;
                        if (k == 0) {
                            codes = prologFromInstructions(code, f.prologSize());
                            assertEquals(f.prologSize() / 4, codes.size());
                            UnwindCode c0 = codes.get(0);
                            if (c0.op() == UnwindCode.Op.ALLOC_S || c0.op() == UnwindCode.Op.ALLOC_M) {
                                assertEquals(UnwindCode.saveFpLrX(-16), codes.get(1), f.symbol());
                                assertEquals(UnwindCode.setFp(), codes.get(2), f.symbol());
                            } else {
                                assertEquals(UnwindCode.Op.SAVE_FPLR_X, c0.op(), f.symbol());
                                assertEquals(UnwindCode.setFp(), codes.get(1), f.symbol());
                            }
                            hotProlog = codes;
                        } else if (f.kind() == CodeFragment.Kind.FUNCLET) {
                            // fp/lr saved without set_fp: the parent's fp addresses its slots (ChessPuzzlesBot's funclets)
                            codes = prologFromInstructions(code, f.prologSize());
                            assertEquals(UnwindCode.saveFpLrX(-16), codes.get(0), f.symbol());
                            assertFalse(codes.contains(UnwindCode.setFp()), f.symbol());
                        } else {
                            assertEquals(0, f.prologSize(), "cold part has no prolog");
                            codes = hotProlog;
                        }
                        List<UnwindCode> reversed = new ArrayList<>(codes);
                        Collections.reverse(reversed);
                        assertEquals(withEnd(reversed), d.prologCodes(), f.symbol());
                        // every epilog scope ends in ret / br after one instruction per code
                        assertFalse(d.epilogs().isEmpty(), f.symbol());
                        for (Arm64UnwindInfo.EpilogScope e : d.epilogs()) {
                            List<UnwindCode> ec = d.codesFrom(e.startIndex());
                            int last = e.startOffset() + 4 * (ec.size() - 1);
                            int w = word(code, last);
                            assertTrue(w == 0xD65F03C0 || isBr(w, 16), f.symbol() + String.format(" epilog end %08X", w));
                            int first = word(code, e.startOffset());
                            UnwindCode c0 = ec.get(0);
                            if (c0.op() == UnwindCode.Op.SAVE_FPLR_X) {   // ldp x29, x30, [sp], #imm
                                assertEquals(0xA8C07BFD | (-c0.offset() / 8) << 15, first, f.symbol());
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void bigFrameUsesAllocThenSaveFpLr() {
        FakeCodegenContext ctx = new FakeCodegenContext();
        MethodIr ir = Lowering.lower(method(bigFrame(), "Demo.Big.Wide"), CodeVersion.R2R);
        CodeFragment f = BACKEND.compileAsyncVariant(ir, ctx).fragments().get(0);
        // FP/LR and 145 slots (141 of the body, 4 fixed async slots): 16 + 8 * 145 rounded up to 16, past 512.
        int frame = 1184;
        assertEquals(List.of(UnwindCode.alloc(frame - 16), UnwindCode.saveFpLrX(-16), UnwindCode.setFp()),
                prologFromInstructions(f.code(), f.prologSize()));
        assertEquals(List.of("sub sp, sp, #" + (frame - 16), "stp x29, x30, [sp, #-16]!", "mov x29, sp"),
                LlvmMc.disassemble(Arrays.copyOf(f.code(), 12)));
    }

    /** A method {@code Demo.Big.Locals} with {@code locals} locals {@code var vk = k} (two slots each: literal, local). */
    static MethodIr locals(int locals, boolean async) {
        StringBuilder body = new StringBuilder();
        for (int k = 0; k < locals; k++) body.append("          var v").append(k).append(" = ").append(k).append('\n');
        if (async) body.append("          await yield\n");
        body.append("          return v0 + v").append(locals - 1).append('\n');
        String yaml = "module: Big\ntypes:\n  - name: Demo.Big\n    methods:\n      - name: Locals\n        async: " + async
                + "\n        returns: int\n        body: |\n" + body;
        return Lowering.lower(method(ScenarioParser.parse("big.yaml", yaml), "Demo.Big.Locals"), CodeVersion.R2R);
    }

    static List<UnwindCode> decodedProlog(CodeFragment f) {
        List<UnwindCode> codes = new ArrayList<>(Arm64UnwindInfo.decode(f.unwindInfo(), 0).prologCodes());
        Collections.reverse(codes);
        return codes.subList(1, codes.size()); // instruction order, without end
    }

    /** 30 locals and the sum's temporary: FP/LR and 61 slots make 512 bytes, past {@code ldp x29, x30, [sp], #504}. */
    @Test
    void frameOf512BytesIsAllocatedBeforeFpLr() {
        CodeFragment f = BACKEND.compileMethod(locals(30, false), new FakeCodegenContext()).fragments().get(0);
        List<String> lines = LlvmMc.disassemble(f.code());
        assertEquals(List.of("sub sp, sp, #496", "stp x29, x30, [sp, #-16]!", "mov x29, sp"), lines.subList(0, 3));
        assertEquals(List.of("ldp x29, x30, [sp], #16", "add sp, sp, #496", "ret"), lines.subList(lines.size() - 3, lines.size()));
        assertEquals(List.of(UnwindCode.allocS(496), UnwindCode.saveFpLrX(-16), UnwindCode.setFp()), decodedProlog(f));
    }

    /**
     * An async frame past a page: 520 locals, the sum's temporary and the 4 fixed slots put the context slots at
     * fp + 16 + 8 * 1042, beyond
     * {@code add}'s 12-bit immediate, so their addresses go through x17; the page below SP is probed first.
     */
    @Test
    void asyncFrameOverAPageIsProbedAndAddressedThroughX17() {
        CodeFragment f = BACKEND.compileAsyncVariant(locals(520, true), new FakeCodegenContext()).fragments().get(0);
        List<String> lines = LlvmMc.disassemble(f.code());
        int frame = 8384; // 16 + 8 * 1045 = 8376, rounded up to 16
        assertEquals(List.of("mov x9, #-4096", "ldr wzr, [sp, x9]", "mov x9, #-8192", "ldr wzr, [sp, x9]",
                "sub sp, sp, #2, lsl #12", "sub sp, sp, #176", "stp x29, x30, [sp, #-16]!", "mov x29, sp"), lines.subList(0, 8));
        int context0 = 16 + 8 * (1041 + 1);
        assertTrue(Collections.indexOfSubList(lines, List.of("mov x17, #" + context0, "add x0, x29, x17",
                "mov x17, #" + (context0 + 8), "add x1, x29, x17")) > 0, lines.toString());
        assertEquals(List.of(UnwindCode.nop(), UnwindCode.nop(), UnwindCode.nop(), UnwindCode.nop(), UnwindCode.allocM(8192),
                UnwindCode.allocS(176), UnwindCode.saveFpLrX(-16), UnwindCode.setFp()), decodedProlog(f));
        assertEquals(frame - 16, 8192 + 176);
    }

    /**
     * 2,100 locals and the sum's temporary: a frame of 33,632 bytes, probed in a loop as the JIT does from three pages on, allocated with
     * alloc_l; slots past fp + 32,760 are read and written through x17.
     */
    @Test
    void frameOf32KiBOrMoreIsProbedInALoopAndAddressedThroughX17() {
        CodeFragment f = BACKEND.compileMethod(locals(2100, false), new FakeCodegenContext()).fragments().get(0);
        List<String> lines = LlvmMc.disassemble(f.code());
        int frame = 33632; // 16 + 8 * 4201 = 33624, rounded up to 16
        assertEquals(List.of("mov x9, #-4096", "mov x10, #-" + frame, "ldr wzr, [sp, x9]", "sub x9, x9, #1, lsl #12",
                "cmp x10, x9", "b.ls #-12", "sub sp, sp, #8, lsl #12", "sub sp, sp, #848", "stp x29, x30, [sp, #-16]!",
                "mov x29, sp"), lines.subList(0, 10));
        // the last local, v2099, is slot 4199 at fp + 16 + 8 * 4199 = 33608
        assertTrue(Collections.indexOfSubList(lines, List.of("mov x17, #33608", "str x9, [x29, x17]")) > 0, lines.toString());
        assertEquals(List.of("ldp x29, x30, [sp], #16", "add sp, sp, #848", "add sp, sp, #8, lsl #12", "ret"),
                lines.subList(lines.size() - 4, lines.size()));
        List<UnwindCode> prolog = decodedProlog(f);
        assertEquals(List.of(UnwindCode.nop(), UnwindCode.nop(), UnwindCode.nop(), UnwindCode.nop(), UnwindCode.nop(),
                UnwindCode.nop(), UnwindCode.allocL(32768), UnwindCode.allocM(848), UnwindCode.saveFpLrX(-16),
                UnwindCode.setFp()), prolog);
        assertEquals(frame - 16, 32768 + 848);
    }

    /**
     * An async variant of 2,100 locals: its fixed slots lie past fp + 32,760, so the continuation slot is stored,
     * tested for RestoreContexts' "resumed" argument and reloaded through x17, and the context slots' addresses too.
     */
    @Test
    void asyncFrameOf32KiBOrMoreReachesItsFixedSlotsThroughX17() {
        CodeFragment f = BACKEND.compileAsyncVariant(locals(2100, true), new FakeCodegenContext()).fragments().get(0);
        List<String> lines = LlvmMc.disassemble(f.code());
        int continuation = 16 + 8 * 4201; // after the 4,201 IR slots (2,100 locals, their literals and the sum's temporary)
        assertEquals(33624, continuation);
        assertTrue(Collections.indexOfSubList(lines, List.of("mov x17, #" + continuation, "str x0, [x29, x17]")) > 0, lines.toString());
        assertTrue(Collections.indexOfSubList(lines, List.of("mov x17, #" + continuation, "ldr x9, [x29, x17]", "cmp x9, #0",
                "cset w0, ne")) > 0, lines.toString());
        assertTrue(Collections.indexOfSubList(lines, List.of("mov x17, #" + (continuation + 8), "add x0, x29, x17",
                "mov x17, #" + (continuation + 16), "add x1, x29, x17")) > 0, lines.toString());
    }

    @Test
    void frameLayoutOfAMethodWithStackArguments() {
        FakeCodegenContext ctx = new FakeCodegenContext();
        MethodIr ir = Lowering.lower(method(multi(), "Demo.Multi.Many"), CodeVersion.R2R);
        CodeFragment f = BACKEND.compileMethod(ir, ctx).fragments().get(0);
        int frame = 128; // FP/LR and 14 slots: the 9 parameters and 5 temporaries
        List<String> lines = LlvmMc.disassemble(f.code());
        // 9 arguments: one outgoing stack slot (16-byte area); the 9th parameter comes from [fp + frame]
        assertEquals(List.of("stp x29, x30, [sp, #-" + frame + "]!", "mov x29, sp", "sub sp, sp, #16",
                "str x0, [x29, #16]", "str x1, [x29, #24]", "str x2, [x29, #32]", "str x3, [x29, #40]",
                "str x4, [x29, #48]", "str x5, [x29, #56]", "str x6, [x29, #64]", "str x7, [x29, #72]",
                "ldr x9, [x29, #" + frame + "]", "str x9, [x29, #80]"), lines.subList(0, 13));
        assertTrue(lines.contains("str x9, [sp]"), lines.toString());
        assertEquals(List.of("add sp, sp, #16", "ldp x29, x30, [sp], #" + frame, "ret"), lines.subList(lines.size() - 3, lines.size()));
        assertEquals(List.of(UnwindCode.saveFpLrX(-frame), UnwindCode.setFp(), UnwindCode.alloc(16)),
                prologFromInstructions(f.code(), f.prologSize()));
    }

    /** Every blr in default code is the x11 cell protocol with REL21 + 12A to the cell (addend 0). */
    @Test
    void everyCellCallUsesX11() throws IOException {
        int calls = 0;
        for (Scenario s : allScenarios()) {
            FakeCodegenContext ctx = new FakeCodegenContext();
            for (CompiledBody body : compileAll(s, ctx)) {
                for (CodeFragment f : body.fragments()) {
                    byte[] code = f.code();
                    for (int off = 0; off < code.length; off += 4) {
                        int w = word(code, off);
                        if (isBlrAny(w)) {
                            assertCellCall(f, off - 12);
                            calls++;
                        }
                    }
                }
            }
        }
        assertTrue(calls > 50, "calls " + calls);
    }

    /**
     * Checks adrp x11 / add x11, x11 / ldr x16, [x11] / blr x16 at {@code off}, or for the write barrier helpers
     * (WriteBarrier 0x30, CheckedWriteBarrier 0x31) adrp x12 / add x12, x12 / ldr x12, [x12] / blr x12 as ChessPuzzlesBot's
     * System.Collections calls them; returns the cell.
     */
    static String assertCellCall(CodeFragment f, int off) {
        byte[] code = f.code();
        assertTrue(off >= 0, f.symbol());
        if (isAdrp(word(code, off), 12)) {
            assertTrue(isAddImm(word(code, off + 4), 12, 12), f.symbol() + "+" + (off + 4));
            assertTrue(isLdr0(word(code, off + 8), 12, 12), f.symbol() + "+" + (off + 8));
            assertTrue(isBlr(word(code, off + 12), 12), f.symbol() + "+" + (off + 12));
            String cell = relocAt(f, off).symbol();
            assertEquals(cell, relocAt(f, off + 4).symbol());
            assertTrue(cell.equals("helper:0x30") || cell.equals("helper:0x31"), cell);
            return cell;
        }
        assertTrue(isAdrp(word(code, off), 11), String.format("%s+%d: %08X", f.symbol(), off, word(code, off)));
        assertTrue(isAddImm(word(code, off + 4), 11, 11), f.symbol() + "+" + (off + 4));
        assertTrue(isLdr0(word(code, off + 8), 16, 11), f.symbol() + "+" + (off + 8));
        assertTrue(isBlr(word(code, off + 12), 16) || isBr(word(code, off + 12), 16), f.symbol() + "+" + (off + 12));
        Relocation r1 = relocAt(f, off);
        Relocation r2 = relocAt(f, off + 4);
        assertNotNull(r1);
        assertNotNull(r2);
        assertEquals(IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, r1.type());
        assertEquals(IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, r2.type());
        assertEquals(r1.symbol(), r2.symbol());
        assertEquals(0, r1.addend());
        assertEquals(0, r2.addend());
        assertEquals(null, relocAt(f, off + 8));
        assertTrue(r1.symbol().matches("^(cell|rm|helper|tailcell):.*"), r1.symbol());
        return r1.symbol();
    }

    /** Cells called (through any blr) in a fragment, in order. */
    static List<String> calledCells(CodeFragment f) {
        List<String> out = new ArrayList<>();
        byte[] code = f.code();
        for (int off = 0; off < code.length; off += 4) {
            if (isBlrAny(word(code, off))) {
                Relocation r = relocAt(f, off - 8);
                if (r == null) r = relocAt(f, off - 12);
                out.add(r.symbol());
            }
        }
        return out;
    }

    @Test
    void b2HelperCallsUseX16OnlyForTheContextHelpers() throws IOException {
        Scenario s = exampleScenarios().stream().filter(x -> x.module().equals("AsyncBasic")).findFirst().orElseThrow();
        MethodIr ir = Lowering.lower(method(s, "Demo.Program.Main"), CodeVersion.R2R);

        CodeFragment fixed = BACKEND.compileAsyncVariant(ir, new FakeCodegenContext()).fragments().get(0);
        List<String> fixedCells = calledCells(fixed);
        assertTrue(fixedCells.contains("rm:CAPTURE_CONTEXTS") && fixedCells.contains("rm:RESTORE_CONTEXTS"));
        for (int off = 0; off < fixed.code().length; off += 4) {
            if (isBlrAny(word(fixed.code(), off))) assertCellCall(fixed, off - 12);
        }

        CodeFragment buggy = BACKEND.compileAsyncVariant(ir, new FakeCodegenContext(Defect.B2_HELPER_CALL_WITHOUT_X11))
                .fragments().get(0);
        assertEquals(fixedCells, calledCells(buggy));
        int contextCalls = 0;
        int ordinary = 0;
        byte[] code = buggy.code();
        for (int off = 0; off < code.length; off += 4) {
            if (!isBlrAny(word(code, off))) continue;
            Relocation r = relocAt(buggy, off - 8);
            if (r != null && r.symbol().matches("rm:(CAPTURE|RESTORE)_(CONTEXTS|CONTEXTS_ON_SUSPENSION|EXECUTION_CONTEXT)")) {
                // adrp x16, cell; ldr x16, [x16, :lo12:cell]; blr x16
                assertTrue(isAdrp(word(code, off - 8), 16));
                assertEquals(IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, r.type());
                assertEquals(0xF9400210, word(code, off - 4), "ldr x16, [x16]");
                Relocation lo = relocAt(buggy, off - 4);
                assertEquals(IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L, lo.type());
                assertEquals(r.symbol(), lo.symbol());
                assertTrue(isBlr(word(code, off), 16));
                List<String> seq = LlvmMc.disassemble(Arrays.copyOfRange(code, off - 8, off + 4));
                for (String l : seq) assertFalse(writesX11(l), l);
                assertEquals(List.of("ldr x16, [x16]", "blr x16"), seq.subList(1, 3));
                contextCalls++;
            } else {
                assertCellCall(buggy, off - 12);
                ordinary++;
            }
        }
        assertEquals(5, contextCalls, "CaptureContexts, RestoreContexts on return, CaptureExecutionContext and "
                + "RestoreContextsOnSuspension on suspension, RestoreExecutionContext on resumption");
        assertEquals(5, ordinary, "Yield, WriteBarrier twice, AllocContinuation and ThrowExact still set x11");
        assertTrue(writesX11Anywhere(buggy), "ordinary cell calls still write x11");
    }

    static boolean writesX11Anywhere(CodeFragment f) {
        return LlvmMc.disassemble(f.code()).stream().anyMatch(Arm64BackendTest::writesX11);
    }

    @Test
    void tailJumpSetsX11UnlessB2JmpEpilog() throws IOException {
        Scenario s = exampleScenarios().stream().filter(x -> x.module().equals("CallsDemo")).findFirst().orElseThrow();
        MethodIr ir = Lowering.lower(method(s, "Demo.Calls.Chain"), CodeVersion.R2R);
        int frame = 64; // FP/LR and 6 slots

        FakeCodegenContext ctx = new FakeCodegenContext();
        CodeFragment f = BACKEND.compileMethod(ir, ctx).fragments().get(0);
        int n = f.code().length;
        assertEquals("tailcell:Demo.Calls.Clamp", assertCellCall(f, n - 16));
        assertTrue(isBr(word(f.code(), n - 4), 16));
        List<String> lines = LlvmMc.disassemble(f.code());
        assertEquals(List.of("ldp x29, x30, [sp], #" + frame, "br x16"),
                List.of(lines.get(lines.size() - 5), lines.get(lines.size() - 1)));
        assertTrue(ctx.requested.contains("tailcell:Demo.Calls.Clamp"));

        CodeFragment buggy = BACKEND.compileMethod(ir, new FakeCodegenContext(Defect.B2_JMP_EPILOG_X16)).fragments().get(0);
        byte[] code = buggy.code();
        n = code.length;
        assertTrue(isAdrp(word(code, n - 16), 16));
        assertTrue(isAddImm(word(code, n - 12), 16, 16));
        assertTrue(isLdr0(word(code, n - 8), 16, 16));
        assertTrue(isBr(word(code, n - 4), 16));
        assertEquals(IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, relocAt(buggy, n - 16).type());
        assertEquals(IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, relocAt(buggy, n - 12).type());
        assertEquals("tailcell:Demo.Calls.Clamp", relocAt(buggy, n - 12).symbol());
        List<String> bl = LlvmMc.disassemble(code);
        int lastCall = -1;
        for (int k = 0; k < bl.size(); k++) if (bl.get(k).startsWith("blr")) lastCall = k;
        assertTrue(lastCall > 0, "Chain calls Add through a cell first");
        for (String l : bl.subList(lastCall + 1, bl.size())) assertFalse(writesX11(l), l);
        assertEquals(List.of("ldr x16, [x16]", "br x16"), bl.subList(bl.size() - 2, bl.size()));
        // the tail jump's epilog scope: ldp + 3 nops + end(br)
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(buggy.unwindInfo(), 0);
        Arm64UnwindInfo.EpilogScope last = d.epilogs().get(d.epilogs().size() - 1);
        assertEquals(n - 20, last.startOffset());
        assertEquals(List.of(UnwindCode.saveFpLrX(-frame), UnwindCode.nop(), UnwindCode.nop(), UnwindCode.nop(), UnwindCode.end()),
                d.codesFrom(last.startIndex()));
    }

    @Test
    void resumptionStubCallsItsVariantDirectlyUnlessB1() {
        Scenario s = multi();
        MethodDecl m = method(s, "Demo.Multi.Run");
        for (CodeVersion v : CodeVersion.values()) {
            MethodIr ir = Lowering.lower(m, v);
            FakeCodegenContext ctx = new FakeCodegenContext();
            CodeFragment f = BACKEND.compileResumptionStub(ir, ctx).fragments().get(0);
            assertEquals("Demo.Multi.Run$resume" + v.suffix, f.symbol());
            List<Relocation> rs = f.relocations();
            assertEquals(1, rs.size());
            assertEquals(IMAGE_REL_BASED_ARM64_BRANCH26, rs.get(0).type());
            assertEquals("Demo.Multi.Run$async" + v.suffix, rs.get(0).symbol());
            assertEquals(0, rs.get(0).addend());
            assertTrue(isBl(word(f.code(), rs.get(0).offset())));
            assertEquals(List.of(), ctx.requested, "no cell by default");
            for (int off = 0; off < f.code().length; off += 4) assertFalse(isBlrAny(word(f.code(), off)));

            FakeCodegenContext b1 = new FakeCodegenContext(Defect.B1_STUB_CALLS_THROUGH_CELL);
            CodeFragment g = BACKEND.compileResumptionStub(ir, b1).fragments().get(0);
            assertEquals(List.of("cell:Demo.Multi.Run$async"), calledCells(g));
            assertEquals(List.of("cell:Demo.Multi.Run$async"), b1.requested);
            int blr = -1;
            for (int off = 0; off < g.code().length; off += 4) {
                assertFalse(isBl(word(g.code(), off)));
                if (isBlrAny(word(g.code(), off))) blr = off;
            }
            assertCellCall(g, blr - 12);
        }
        // shape: continuation in x0 (static method), the 9 user arguments zeroed (x1..x7 and 2 stack slots)
        CodeFragment f = BACKEND.compileResumptionStub(Lowering.lower(m, CodeVersion.R2R), new FakeCodegenContext())
                .fragments().get(0);
        assertEquals(List.of("stp x29, x30, [sp, #-32]!", "mov x29, sp", "stp x19, x20, [sp, #16]", "sub sp, sp, #16",
                "mov x19, x1", "mov x1, xzr", "mov x2, xzr", "mov x3, xzr", "mov x4, xzr", "mov x5, xzr", "mov x6, xzr",
                "mov x7, xzr", "str xzr, [sp]", "str xzr, [sp, #8]", "bl #0", "mov x20, x2", "cbnz x20, #8",
                "str x0, [x19]", "mov x0, x20", "add sp, sp, #16", "ldp x19, x20, [sp, #16]", "ldp x29, x30, [sp], #32",
                "ret"), LlvmMc.disassemble(f.code()));
        assertEquals(16, f.prologSize());
    }

    @Test
    void resumptionStubOfInstanceVoidMethod() throws IOException {
        // Demo.Counter.Bump is an instance method: continuation goes after 'this' (x1)
        Scenario s = exampleScenarios().stream().filter(x -> x.module().equals("AsyncException")).findFirst().orElseThrow();
        CodeFragment f = BACKEND.compileResumptionStub(Lowering.lower(method(s, "Demo.Counter.Bump"), CodeVersion.R2R),
                new FakeCodegenContext()).fragments().get(0);
        List<String> lines = LlvmMc.disassemble(f.code());
        assertEquals(List.of("mov x19, x1", "mov x1, x0", "mov x0, xzr", "mov x2, xzr", "bl #0"), lines.subList(3, 8));
    }

    @Test
    void resumeInfoAddendsAndRecords() {
        Scenario s = multi();
        MethodDecl m = method(s, "Demo.Multi.Run");
        for (boolean split : new boolean[] {false, true}) {
            FakeCodegenContext ctx = split ? new FakeCodegenContext(Defect.B4_HOT_COLD_SPLIT) : new FakeCodegenContext();
            MethodIr ir = Lowering.lower(m, CodeVersion.R2R);
            CompiledBody body = BACKEND.compileAsyncVariant(ir, ctx);
            CodeFragment susp = body.fragments().get(body.fragments().size() - 1);
            assertEquals(split ? 2 : 1, body.fragments().size());
            String ri = FakeCodegenContext.resumeInfo(m, CodeVersion.R2R);
            List<Long> addends = new ArrayList<>();
            for (Relocation r : susp.relocations()) {
                if (!r.symbol().equals(ri)) continue;
                if (r.type() == IMAGE_REL_BASED_ARM64_PAGEBASE_REL21) {
                    Relocation add = relocAt(susp, r.offset() + 4);
                    assertEquals(IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, add.type());
                    assertEquals(ri, add.symbol());
                    assertEquals(r.addend(), add.addend());
                    assertTrue(isAdrp(word(susp.code(), r.offset()), 9));
                    assertTrue(isAddImm(word(susp.code(), r.offset() + 4), 9, 9));
                    // str x9, [x0, #16] (ResumeInfo)
                    assertEquals(0xF9000809, word(susp.code(), r.offset() + 8));
                    addends.add(r.addend());
                }
            }
            assertEquals(List.of(0L, 16L, 32L), addends);
            for (CodeFragment f : body.fragments()) {
                if (f != susp) assertTrue(f.relocations().stream().noneMatch(r -> r.symbol().equals(ri)));
            }

            assertEquals(1, body.data().size());
            ObjectNode node = body.data().get(0);
            assertEquals(ri, node.symbol());
            assertEquals(48, node.size());
            assertEquals(8, node.alignment());
            assertEquals(6, node.relocations().size());
            for (int k = 0; k < 3; k++) {
                Relocation resume = node.relocations().get(2 * k);
                Relocation diag = node.relocations().get(2 * k + 1);
                assertEquals(new Relocation(16 * k, IMAGE_REL_BASED_DIR64, "Demo.Multi.Run$resume", 0), resume);
                assertEquals(16 * k + 8, diag.offset());
                assertEquals(IMAGE_REL_BASED_DIR64, diag.type());
                assertEquals(susp.symbol(), diag.symbol());
                // the DiagnosticIP is the suspension block: ldr x15, [fp, #home] (the incoming continuation); cbz x15;
                // reuse it (str x15 to the scratch slot; add x14, x2, #8; WriteBarrier); b; else mov x0, x2, the
                // layout cell load and AllocContinuation
                int ip = (int) diag.addend();
                assertEquals(0xF94003AF, word(susp.code(), ip) & 0xFFC003FF, "ldr x15, [x29, #home]");
                assertEquals(0x9100204E, word(susp.code(), ip + 12), "add x14, x2, #8");
                assertEquals("helper:0x30", relocAt(susp, ip + 16).symbol());
                assertEquals(0xAA0203E0, word(susp.code(), ip + 36), "mov x0, x2");
                assertEquals("layout:Demo.Multi.Run", relocAt(susp, ip + 40).symbol());
                assertEquals("helper:0x113", relocAt(susp, ip + 48).symbol());
                // and the suspension block of state k stores addend 16*k
                Relocation adrp = null;
                for (Relocation r : susp.relocations()) {
                    if (r.symbol().equals(ri) && r.offset() > ip && (adrp == null || r.offset() < adrp.offset())) adrp = r;
                }
                assertEquals(16L * k, adrp.addend());
            }
        }
    }

    @Test
    void b4SplitsAwaitingAsyncVariants() throws IOException {
        Scenario s = multi();
        MethodDecl m = method(s, "Demo.Multi.Run");
        MethodIr ir = Lowering.lower(m, CodeVersion.R2R);
        CompiledBody one = BACKEND.compileAsyncVariant(ir, new FakeCodegenContext());
        assertEquals(1, one.fragments().size());
        CompiledBody two = BACKEND.compileAsyncVariant(ir, new FakeCodegenContext(Defect.B4_HOT_COLD_SPLIT));
        assertEquals(2, two.fragments().size());
        CodeFragment hot = two.fragments().get(0);
        CodeFragment cold = two.fragments().get(1);
        assertEquals("Demo.Multi.Run$async", hot.symbol());
        assertEquals("Demo.Multi.Run$async$cold", cold.symbol());
        assertEquals(one.fragments().get(0).code().length, hot.code().length + cold.code().length
                - 4 * 3 /* cbz+b pairs replace cbnz (3 awaits + dispatch - ... ) */ - 4, "sizes " + hot.code().length + "+" + cold.code().length);
        // the suspension code (AllocContinuation, ResumeInfo, ThrowExact, the layout cell) is in the cold part only
        for (String sym : List.of("helper:0x113", "helper:0x27", "layout:Demo.Multi.Run", "Demo.Multi.Run$resumeinfo")) {
            assertTrue(cold.relocations().stream().anyMatch(r -> r.symbol().equals(sym)), sym);
            assertTrue(hot.relocations().stream().noneMatch(r -> r.symbol().equals(sym)), sym);
        }
        // cross-fragment jumps: hot -> cold (3 suspensions + dispatch), cold -> hot (3 resume points)
        List<Relocation> toCold = hot.relocations().stream().filter(r -> r.symbol().equals(cold.symbol())).collect(Collectors.toList());
        List<Relocation> toHot = cold.relocations().stream().filter(r -> r.symbol().equals(hot.symbol())).collect(Collectors.toList());
        assertEquals(4, toCold.size());
        assertEquals(3, toHot.size());
        for (Relocation r : toCold) {
            assertEquals(IMAGE_REL_BASED_ARM64_BRANCH26, r.type());
            assertEquals(0x14000000, word(hot.code(), r.offset()), "b");
            assertEquals(0xB4000000, word(hot.code(), r.offset() - 4) & 0xFF000000, "preceded by an inverted cbz");
            assertTrue(r.addend() >= 0 && r.addend() < cold.code().length && r.addend() % 4 == 0);
        }
        for (Relocation r : toHot) {
            assertEquals(0x14000000, word(cold.code(), r.offset()));
            assertTrue(r.addend() > 0 && r.addend() < hot.code().length);
        }
        // DiagnosticIPs point into the cold part
        for (int k = 0; k < 3; k++) {
            assertEquals(cold.symbol(), two.data().get(0).relocations().get(2 * k + 1).symbol());
        }
        // non-awaiting async variant: never split
        CompiledBody leaf = BACKEND.compileAsyncVariant(Lowering.lower(method(s, "Demo.Multi.Leaf"), CodeVersion.R2R),
                new FakeCodegenContext(Defect.B4_HOT_COLD_SPLIT));
        assertEquals(1, leaf.fragments().size());
        assertEquals(List.of(), leaf.data());
        // the cold record restores the same frame as the hot one
        assertEquals(Arm64UnwindInfo.decode(hot.unwindInfo(), 0).prologCodes(), Arm64UnwindInfo.decode(cold.unwindInfo(), 0).prologCodes());
        assertEquals(0, cold.prologSize());
    }

    @Test
    void tier1UsesOtherStatesAndSlotOffsets() {
        MethodDecl m = method(multi(), "Demo.Multi.Run");
        MethodIr r2r = Lowering.lower(m, CodeVersion.R2R);
        MethodIr t1 = Lowering.lower(m, CodeVersion.TIER1);
        FakeCodegenContext ctx = new FakeCodegenContext();
        CodeFragment a = BACKEND.compileAsyncVariant(r2r, ctx).fragments().get(0);
        CodeFragment b = BACKEND.compileAsyncVariant(t1, ctx).fragments().get(0);
        assertEquals("Demo.Multi.Run$async$tier1", b.symbol());
        assertEquals(List.of(0, 1, 2), storedStates(a));
        assertEquals(List.of(2, 1, 0), storedStates(b));
        assertEquals(List.of(0, 1, 2), dispatchedStates(a));
        assertEquals(List.of(2, 1, 0), dispatchedStates(b));
        List<Integer> offA = continuationStores(a);
        List<Integer> offB = continuationStores(b);
        // Continuation data from +32: the Exception slot, the Result slot, the ExecutionContext slot (+48), then the
        // slots live across some await, c, i and x (reversed in Tier1); the first await saves c and i (x is its result).
        assertEquals(List.of(56, 64), offA);
        assertEquals(List.of(72, 64), offB);
        assertEquals(56, r2r.continuation().slotOffset(r2r.slotNames().indexOf("c")));
        assertEquals(72, r2r.continuation().slotOffset(r2r.slotNames().indexOf("x")));
        assertEquals(56, t1.continuation().slotOffset(t1.slotNames().indexOf("x")));
        assertEquals(-1, r2r.continuation().slotOffset(r2r.slotNames().indexOf("a")));
        assertNotEquals(offA, offB);
        assertTrue(b.relocations().stream().anyMatch(r -> r.symbol().equals("Demo.Multi.Run$resumeinfo$tier1")));
        assertTrue(b.relocations().stream().anyMatch(r -> r.symbol().equals("layout:Demo.Multi.Run$tier1")));
        assertTrue(a.relocations().stream().noneMatch(r -> r.symbol().endsWith("$tier1")));
    }

    /**
     * Values stored as State (+28, the high half of the Flags|State qword): {@code movz x9, #flags} [{@code movk x9,
     * #state, lsl #32}] followed by {@code str x9, [x0, #24]}.
     */
    static List<Integer> storedStates(CodeFragment f) {
        List<Integer> out = new ArrayList<>();
        byte[] c = f.code();
        for (int off = 4; off < c.length; off += 4) {
            if (word(c, off) == 0xF9000C09) {
                long value = 0;
                for (int at = off - 4; at >= 0 && (word(c, at) & 0x9F80001F) == 0x92800009; at -= 4) {
                    int mov = word(c, at); // movz (opc 10) or movk (opc 11) of x9
                    value |= (long) ((mov >> 5) & 0xFFFF) << (16 * ((mov >> 21) & 3));
                }
                out.add((int) (value >>> 32));
            }
        }
        return out;
    }

    /** Immediates of {@code cmp w9, #imm} in the dispatch block. */
    static List<Integer> dispatchedStates(CodeFragment f) {
        List<Integer> out = new ArrayList<>();
        byte[] c = f.code();
        for (int off = 0; off < c.length; off += 4) {
            int w = word(c, off);
            if ((w & 0xFFC003FF) == (0x7100001F | 9 << 5)) out.add((w >> 10) & 0xFFF);
        }
        return out;
    }

    /** Offsets of {@code str x9, [x0, #off]} in the first suspension block, ResumeInfo store excluded. */
    static List<Integer> continuationStores(CodeFragment f) {
        List<Integer> out = new ArrayList<>();
        byte[] c = f.code();
        for (int off = 0; off < c.length; off += 4) {
            int w = word(c, off);
            if ((w & 0xFFC003FF) == 0xF9000009) {
                int o = ((w >> 10) & 0xFFF) * 8;
                if (o == 16) { // ResumeInfo
                    if (!out.isEmpty()) break;   // next suspension block
                    continue;
                }
                if (o == 24) { // Flags and State
                    continue;
                }
                out.add(o);
            }
        }
        return out;
    }

    @Test
    void asyncVariantShape() throws IOException {
        Scenario s = exampleScenarios().stream().filter(x -> x.module().equals("AsyncBasic")).findFirst().orElseThrow();
        MethodIr ir = Lowering.lower(method(s, "Demo.Program.Compute"), CodeVersion.R2R);
        FakeCodegenContext ctx = new FakeCodegenContext();
        CodeFragment f = BACKEND.compileAsyncVariant(ir, ctx).fragments().get(0);
        List<String> lines = LlvmMc.disassemble(f.code());
        // FP/LR, 4 slots of the body from fp+16, then the fixed slots: continuation, the two contexts, one more.
        int frame = 80;
        int cont = 48;
        int c0 = 56;
        int c1 = 64;
        // static: continuation in x0, x in x1; the context slots cleared, the continuation to its home slot
        assertEquals(List.of("stp x29, x30, [sp, #-" + frame + "]!", "mov x29, sp", "str x1, [x29, #16]", "str xzr, [x29, #" + c0 + "]",
                "str xzr, [x29, #" + c1 + "]", "str x0, [x29, #" + cont + "]"), lines.subList(0, 6));
        assertTrue(lines.get(6).startsWith("cbnz x0, "), lines.get(6));
        assertEquals(List.of("add x0, x29, #" + c0, "add x1, x29, #" + c1), lines.subList(7, 9));
        assertEquals("rm:CAPTURE_CONTEXTS", assertCellCall(f, 36));
        // await Demo.Program.Main(): static, no args: x0 = null continuation, a call through Main's AsyncVariant cell, cbnz x2
        int blr = lines.indexOf("mov x0, xzr") + 4;
        assertEquals("blr x16", lines.get(blr));
        assertEquals("mov x0, xzr", lines.get(blr - 4));
        assertEquals("cell:Demo.Program.Main$async", assertCellCall(f, 4 * (blr - 3)));
        assertTrue(lines.get(blr + 1).startsWith("cbnz x2, "));
        assertTrue(lines.get(blr + 2).matches("str x0, \\[x29, #\\d+\\]"));
        assertEquals(-1, lines.indexOf("bl #0"), "no direct call");
    }

    @Test
    void taskThunkShape() throws IOException {
        Scenario s = exampleScenarios().stream().filter(x -> x.module().equals("AsyncException")).findFirst().orElseThrow();
        MethodDecl bump = method(s, "Demo.Counter.Bump");
        FakeCodegenContext ctx = new FakeCodegenContext();
        CompiledBody body = BACKEND.compileTaskThunk(Lowering.lower(bump, CodeVersion.R2R), ctx);
        assertEquals(CodeBodyKind.TASK_RETURNING_THUNK, body.kind());
        CodeFragment f = body.fragments().get(0);
        assertEquals("Demo.Counter.Bump", f.symbol());
        assertEquals(List.of("rm:EXECUTION_AND_SYNC_BLOCK_STORE_PUSH", "cell:Demo.Counter.Bump$async", "rm:TASK_FROM_RESULT",
                "rm:FINALIZE_TASK_RETURNING_THUNK_OF_T", "rm:EXECUTION_AND_SYNC_BLOCK_STORE_POP"), calledCells(f));
        List<String> lines = LlvmMc.disassemble(f.code());
        // this, delta -> x0 = this, x1 = null continuation, x2 = delta
        // Push(&store at fp+40) first
        assertEquals(List.of("stp x29, x30, [sp, #-64]!", "mov x29, sp", "str x0, [x29, #16]", "str x1, [x29, #24]",
                "add x0, x29, #40"), lines.subList(0, 5));
        int call = lines.indexOf("ldr x0, [x29, #16]");
        assertEquals(List.of("ldr x0, [x29, #16]", "ldr x2, [x29, #24]", "mov x1, xzr"), lines.subList(call, call + 3));
        assertTrue(lines.get(call + 7).startsWith("cbnz x2, "));
    }

    @Test
    void helperCallsOfTheBody() throws IOException {
        Scenario s = multi();
        FakeCodegenContext ctx = new FakeCodegenContext();
        CodeFragment f = BACKEND.compileAsyncVariant(Lowering.lower(method(s, "Demo.Multi.Run"), CodeVersion.R2R), ctx)
                .fragments().get(0);
        List<String> cells = calledCells(f);
        assertEquals(List.of("rm:CAPTURE_CONTEXTS", "helper:0x26"), cells.subList(0, 2));
        assertTrue(cells.contains("rm:YIELD"));
        assertTrue(cells.contains("cell:Demo.Multi.Leaf$async"));
        assertEquals(2, cells.stream().filter("helper:0x26"::equals).count(), "div and rem check the divisor");
        List<String> lines = LlvmMc.disassemble(f.code());
        assertTrue(lines.contains("sdiv x9, x9, x10"));
        assertTrue(lines.contains("sdiv x12, x9, x10"));
        // Throw and GCPoll from the examples
        Scenario gc = exampleScenarios().stream().filter(x -> x.module().equals("GcPointDemo")).findFirst().orElseThrow();
        CodeFragment spin = BACKEND.compileMethod(Lowering.lower(method(gc, "Demo.Gc.Spin"), CodeVersion.R2R), ctx)
                .fragments().get(0);
        assertEquals(List.of("helper:0x44"), calledCells(spin));
        Scenario calls = exampleScenarios().stream().filter(x -> x.module().equals("CallsDemo")).findFirst().orElseThrow();
        CodeFragment check = BACKEND.compileMethod(Lowering.lower(method(calls, "Demo.Calls.Check"), CodeVersion.R2R), ctx)
                .fragments().get(0);
        assertEquals(List.of("helper:0x60", "helper:0x20"), calledCells(check)); // NewObject, then Throw with the object
        List<String> cl = LlvmMc.disassemble(check.code());
        assertEquals("brk #0", cl.get(cl.lastIndexOf("blr x16") + 1));
    }

    @Test
    void nonAsyncBodiesRejectWrongKind() throws IOException {
        Scenario s = multi();
        FakeCodegenContext ctx = new FakeCodegenContext();
        assertThrows(IllegalArgumentException.class,
                () -> BACKEND.compileMethod(Lowering.lower(method(s, "Demo.Multi.Run"), CodeVersion.R2R), ctx));
        assertThrows(IllegalArgumentException.class,
                () -> BACKEND.compileAsyncVariant(Lowering.lower(method(s, "Demo.Multi.Many"), CodeVersion.R2R), ctx));
    }

    @Test
    void delayLoadThunk() {
        ObjectNode n = BACKEND.delayLoadThunk("thunk", 3, "module-cell", "helper-cell", false);
        // crossgen2's layout: Module-cell slot, entry at +8, helper-cell literal at +32.
        assertEquals("thunk$node", n.symbol());
        assertEquals(8, BACKEND.delayLoadThunkEntryOffset());
        assertEquals(40, n.size());
        assertEquals(8, n.alignment());
        assertEquals(List.of("mov x9, #3", "ldr x10, #-12", "ldr x10, [x10]", "ldr x12, #12", "ldr x12, [x12]", "br x12"),
                LlvmMc.disassemble(Arrays.copyOfRange(n.bytes(), 8, 32)));
        assertEquals(List.of(new Relocation(0, IMAGE_REL_BASED_DIR64, "module-cell", 0),
                new Relocation(32, IMAGE_REL_BASED_DIR64, "helper-cell", 0)), n.relocations());
        assertArrayEquals(n.bytes(), BACKEND.delayLoadThunk("thunk", 3, "module-cell", "helper-cell", true).bytes());
    }

    @Test
    void jumpThunkAndHandlerFlag() {
        ObjectNode n = BACKEND.jumpThunk("pers", "cell:pers");
        assertEquals(List.of("adrp x16, #0", "ldr x16, [x16]", "br x16"), LlvmMc.disassemble(n.bytes()));
        assertEquals(List.of(new Relocation(0, IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, "cell:pers", 0),
                new Relocation(4, IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L, "cell:pers", 0)), n.relocations());
        byte[] raw = Arm64UnwindInfo.builder(8).prolog(UnwindCode.saveFpLrX(-16)).exceptionDataPresent(false).build();
        byte[] flagged = BACKEND.withHandlerFlag(raw);
        assertEquals(raw[2] | 0x10, flagged[2]);
        assertFalse(Arm64UnwindInfo.decode(raw, 0).exceptionDataPresent());
        assertTrue(Arm64UnwindInfo.decode(flagged, 0).exceptionDataPresent());
        flagged[2] = raw[2];
        assertArrayEquals(raw, flagged);
    }
}
