package r2rlab.emitter.x64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Defect;
import r2rlab.emitter.codegen.CodeFragment;
import r2rlab.emitter.codegen.CompiledBody;
import r2rlab.emitter.codegen.FakeCodegenContext;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.ir.AwaitPoint;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.Lowering;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.unwind.x64.UnwindCode;
import r2rlab.format.unwind.x64.UnwindOp;
import r2rlab.format.unwind.x64.X64UnwindInfo;

class X64BackendTest {
    private static final X64Backend BACKEND = new X64Backend();
    private static final String[] EXAMPLES = {"async-basic.yaml", "async-exception.yaml", "async-nested.yaml", "calls.yaml",
        "gcpoint.yaml", "tiering.yaml"};

    // ---------------------------------------------------------------------------------------------- helpers

    static Path examples() {
        for (String p : new String[] {"../examples", "examples", "/work/main/examples"}) {
            if (Files.isDirectory(Path.of(p))) {
                return Path.of(p);
            }
        }
        throw new IllegalStateException("examples directory not found");
    }

    static Scenario example(String name) throws IOException {
        return ScenarioParser.parse(name, Files.readString(examples().resolve(name)));
    }

    static MethodDecl method(Scenario s, String fullName) {
        return s.methods().filter(m -> m.fullName().equals(fullName)).findFirst()
                .orElseThrow(() -> new AssertionError("no method " + fullName));
    }

    static List<CompiledBody> compileAll(MethodDecl m, FakeCodegenContext ctx) {
        List<CompiledBody> out = new ArrayList<>();
        List<CodeVersion> versions = m.tier1() ? List.of(CodeVersion.R2R, CodeVersion.TIER1) : List.of(CodeVersion.R2R);
        for (CodeVersion v : versions) {
            MethodIr ir = Lowering.lower(m, v);
            if (m.isAsync()) {
                out.add(BACKEND.compileAsyncVariant(ir, ctx));
                if (ir.needsResumptionStub()) {
                    out.add(BACKEND.compileResumptionStub(ir, ctx));
                }
                if (v == CodeVersion.R2R) {
                    out.add(BACKEND.compileTaskThunk(ir, ctx));
                }
            } else {
                out.add(BACKEND.compileMethod(ir, ctx));
            }
        }
        return out;
    }

    static int u8(byte[] c, int at) {
        return c[at] & 0xFF;
    }

    static int i32(byte[] c, int at) {
        return (c[at] & 0xFF) | (c[at + 1] & 0xFF) << 8 | (c[at + 2] & 0xFF) << 16 | c[at + 3] << 24;
    }

    static List<Relocation> relocsTo(CodeFragment f, String symbol) {
        return f.relocations().stream().filter(r -> r.symbol().equals(symbol)).collect(Collectors.toList());
    }

    static boolean isCellCall(byte[] c, Relocation r) {
        return r.offset() >= 2 && u8(c, r.offset() - 2) == 0xFF && u8(c, r.offset() - 1) == 0x15;
    }

    static boolean isDirectCall(byte[] c, Relocation r) {
        return r.offset() >= 1 && u8(c, r.offset() - 1) == 0xE8;
    }

    static CompiledBody variant(MethodDecl m, CodeVersion v, FakeCodegenContext ctx) {
        return BACKEND.compileAsyncVariant(Lowering.lower(m, v), ctx);
    }

    // ---------------------------------------------------------------------------------------------- tests

    @Test
    void everyBodyOfEveryExampleDisassembles() throws Exception {
        int fragments = 0;
        for (String file : EXAMPLES) {
            Scenario s = example(file);
            for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
                for (Defect[] defects : new Defect[][] {{}, {Defect.B4_HOT_COLD_SPLIT, Defect.B1_STUB_CALLS_THROUGH_CELL}}) {
                    FakeCodegenContext ctx = new FakeCodegenContext(os, defects);
                    for (MethodDecl m : s.methods().collect(Collectors.toList())) {
                        for (CompiledBody b : compileAll(m, ctx)) {
                            for (CodeFragment f : b.fragments()) {
                                String what = file + " " + os + " " + Arrays.toString(defects) + " " + f.symbol();
                                List<String> lines;
                                try {
                                    lines = LlvmMc.disassemble(f.code());
                                } catch (AssertionError e) {
                                    throw new AssertionError(what + ": " + e.getMessage(), e);
                                }
                                assertFalse(lines.isEmpty(), what);
                                for (String l : lines) {
                                    assertFalse(l.contains("unknown") || l.contains("invalid") || l.contains("(bad)"), what + ": " + l);
                                }
                                for (Relocation r : f.relocations()) {
                                    assertEquals(RelocType.IMAGE_REL_BASED_REL32, r.type(), what);
                                    assertTrue(r.offset() >= 0 && r.offset() + 4 <= f.code().length, what);
                                    assertEquals(0, i32(f.code(), r.offset()), what + " relocated field not zero");
                                }
                                X64UnwindInfo u = X64UnwindInfo.decode(f.unwindInfo(), 0);
                                assertEquals(f.prologSize(), u.sizeOfProlog(), what);
                                fragments++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(fragments > 100, "fragments " + fragments);
    }

    @Test
    void callShapesInPlainMethods() throws Exception {
        Scenario s = example("calls.yaml");
        FakeCodegenContext ctx = new FakeCodegenContext(TargetOs.WINDOWS);
        MethodDecl main = method(s, "Demo.Calls.Main");
        CodeFragment f = BACKEND.compileMethod(Lowering.lower(main, CodeVersion.R2R), ctx).fragments().get(0);
        byte[] c = f.code();
        // every call between methods, `call` and `call cell` alike: FF 15 with REL32 at the disp32, to the requested cell
        for (String target : new String[] {"Demo.Calls.Square", "Demo.Calls.Twice", "Demo.Calls.Check", "Demo.Calls.Chain"}) {
            List<Relocation> rs = relocsTo(f, "cell:" + target);
            assertEquals(1, rs.size(), target);
            assertTrue(isCellCall(c, rs.get(0)), target);
            assertEquals(0, rs.get(0).addend());
            assertTrue(relocsTo(f, target).isEmpty(), "no direct call of " + target);
        }
        assertEquals(List.of("cell:Demo.Calls.Square", "cell:Demo.Calls.Twice", "cell:Demo.Calls.Check", "cell:Demo.Calls.Chain"),
                ctx.requested.stream().filter(x -> x.startsWith("cell:")).toList());
        // with direct-calls, the plain `call`s are E8 to the body symbol and ask for no cell
        FakeCodegenContext direct = new FakeCodegenContext(TargetOs.WINDOWS, Defect.DIRECT_CALLS);
        CodeFragment d = BACKEND.compileMethod(Lowering.lower(main, CodeVersion.R2R), direct).fragments().get(0);
        for (String target : new String[] {"Demo.Calls.Square", "Demo.Calls.Check", "Demo.Calls.Chain"}) {
            List<Relocation> rs = relocsTo(d, target);
            assertEquals(1, rs.size(), target);
            assertTrue(isDirectCall(d.code(), rs.get(0)), target);
            assertFalse(direct.requested.contains("cell:" + target), "direct calls ask for no cell");
        }
        assertEquals(1, relocsTo(d, "cell:Demo.Calls.Twice").size(), "`call cell` keeps its cell");
        // every call in either body is one of the two shapes
        for (CodeFragment x : List.of(f, d)) {
            for (Relocation r : x.relocations()) {
                assertTrue(isCellCall(x.code(), r) || isDirectCall(x.code(), r), r.toString());
            }
        }
    }

    @Test
    void tailJumpIsLeaThenJmpRax() throws Exception {
        Scenario s = example("calls.yaml");
        for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
            FakeCodegenContext ctx = new FakeCodegenContext(os);
            CodeFragment f = BACKEND.compileMethod(Lowering.lower(method(s, "Demo.Calls.Chain"), CodeVersion.R2R), ctx)
                    .fragments().get(0);
            byte[] c = f.code();
            List<Relocation> rs = relocsTo(f, "tailcell:Demo.Calls.Clamp");
            assertEquals(1, rs.size());
            int o = rs.get(0).offset();
            assertEquals(0x48, u8(c, o - 3));
            assertEquals(0x8D, u8(c, o - 2));
            assertEquals(0x05, u8(c, o - 1));
            assertEquals(0xFF, u8(c, o + 4));
            assertEquals(0x20, u8(c, o + 5));
            assertEquals(o + 6, c.length, "the tail jump ends the method");
            // the frame is torn down right before: lea rsp, [rbp]; pop rbp
            assertEquals(List.of("lea rsp, [rbp]", "pop rbp", "lea rax, [rip]", "jmp qword ptr [rax]"),
                    tail(LlvmMc.disassemble(c), 4));
        }
    }

    /** A fast tail call with stack arguments: they go where the caller's own came in, above the Windows shadow area. */
    @Test
    void fastTailCallReusesTheIncomingArgumentArea() throws Exception {
        Scenario s = ScenarioParser.parse("tail.yaml", String.join("\n", "module: Tail", "types:", "  - name: Demo.T",
                "    methods:", "      - name: F", "        params: [a, b, c, d, e, f]", "        returns: int",
                "        body: tailcall cell Demo.T.G(f, e, d, c, b, a)", "      - name: G", "        params: [a, b, c, d, e, f]",
                "        returns: int", "        body: return a", ""));
        CodeFragment f = BACKEND.compileMethod(Lowering.lower(method(s, "Demo.T.F"), CodeVersion.R2R),
                new FakeCodegenContext(TargetOs.WINDOWS)).fragments().get(0);
        // slots a..f at rbp-8..rbp-48; stack arguments 0 and 1 at rbp+48 and rbp+56 (return address, shadow area)
        assertEquals(List.of("mov rax, qword ptr [rbp - 16]", "mov qword ptr [rbp + 48], rax",
                "mov rax, qword ptr [rbp - 8]", "mov qword ptr [rbp + 56], rax",
                "mov rcx, qword ptr [rbp - 48]", "mov rdx, qword ptr [rbp - 40]", "mov r8, qword ptr [rbp - 32]",
                "mov r9, qword ptr [rbp - 24]", "lea rsp, [rbp]", "pop rbp", "lea rax, [rip]", "jmp qword ptr [rax]"),
                tail(LlvmMc.disassemble(f.code()), 12));
    }

    static List<String> tail(List<String> l, int n) {
        return l.subList(l.size() - n, l.size());
    }

    @Test
    void resumptionStubCallsVariantDirectlyOrThroughCellWithB1() throws Exception {
        Scenario s = example("async-basic.yaml");
        MethodDecl main = method(s, "Demo.Program.Main");
        for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
            MethodIr ir = Lowering.lower(main, CodeVersion.R2R);
            FakeCodegenContext ctx = new FakeCodegenContext(os);
            CodeFragment f = BACKEND.compileResumptionStub(ir, ctx).fragments().get(0);
            assertEquals("Demo.Program.Main$resume", f.symbol());
            assertEquals(1, f.relocations().size());
            Relocation r = f.relocations().get(0);
            assertEquals("Demo.Program.Main$async", r.symbol());
            assertTrue(isDirectCall(f.code(), r));
            assertTrue(ctx.requested.isEmpty(), "no cell by default: " + ctx.requested);

            FakeCodegenContext b1 = new FakeCodegenContext(os, Defect.B1_STUB_CALLS_THROUGH_CELL);
            CodeFragment g = BACKEND.compileResumptionStub(ir, b1).fragments().get(0);
            assertEquals(1, g.relocations().size());
            Relocation rc = g.relocations().get(0);
            assertEquals("cell:Demo.Program.Main$async", rc.symbol());
            assertTrue(isCellCall(g.code(), rc));
            assertEquals(List.of("cell:Demo.Program.Main$async"), b1.requested);
        }
        // the Tier1 stub calls the Tier1 variant
        CodeFragment t = BACKEND.compileResumptionStub(Lowering.lower(method(example("tiering.yaml"), "Demo.Tiering.Hot"),
                CodeVersion.TIER1), new FakeCodegenContext(TargetOs.WINDOWS)).fragments().get(0);
        assertEquals("Demo.Tiering.Hot$async$tier1", t.relocations().get(0).symbol());
    }

    @Test
    void resumptionStubShape() throws Exception {
        Scenario s = example("async-exception.yaml");
        // instance method: this (zeroed), continuation, user arg (zeroed)
        MethodIr ir = Lowering.lower(method(s, "Demo.Counter.Bump"), CodeVersion.R2R);
        List<String> win = LlvmMc.disassemble(BACKEND.compileResumptionStub(ir, new FakeCodegenContext(TargetOs.WINDOWS))
                .fragments().get(0).code());
        assertEquals(List.of("push rbx", "push r12", "sub rsp, 40", "mov rbx, rdx", "mov rdx, rcx", "xor ecx, ecx",
                "xor r8d, r8d", "call 0", "mov r12, rcx", "test r12, r12", "jne 3", "mov qword ptr [rbx], rax",
                "mov rax, r12", "add rsp, 40", "pop r12", "pop rbx", "ret"), normalise(win));
        List<String> lin = LlvmMc.disassemble(BACKEND.compileResumptionStub(ir, new FakeCodegenContext(TargetOs.LINUX))
                .fragments().get(0).code());
        assertEquals(List.of("push rbx", "push r12", "sub rsp, 8", "mov rbx, rsi", "mov rsi, rdi", "xor edi, edi",
                "xor edx, edx", "call 0", "mov r12, rcx", "test r12, r12", "jne 3", "mov qword ptr [rbx], rax",
                "mov rax, r12", "add rsp, 8", "pop r12", "pop rbx", "ret"), normalise(lin));
    }

    /** Strips llvm-mc's "# encoding"/comments. */
    static List<String> normalise(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            int hash = l.indexOf('#');
            out.add((hash >= 0 ? l.substring(0, hash) : l).trim());
        }
        return out;
    }

    @Test
    void resumeInfoPointsAtSuspensionBlocks() throws Exception {
        for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
            for (String[] fm : new String[][] {{"async-basic.yaml", "Demo.Program.Main"}, {"async-nested.yaml", "Demo.Nested.B"},
                {"async-exception.yaml", "Demo.Counter.Bump"}, {"tiering.yaml", "Demo.Tiering.Hot"}}) {
                MethodDecl m = method(example(fm[0]), fm[1]);
                for (CodeVersion v : CodeVersion.values()) {
                    FakeCodegenContext ctx = new FakeCodegenContext(os);
                    MethodIr ir = Lowering.lower(m, v);
                    CompiledBody b = BACKEND.compileAsyncVariant(ir, ctx);
                    checkResumeInfo(ir, b, os, false);
                }
            }
        }
    }

    static void checkResumeInfo(MethodIr ir, CompiledBody b, TargetOs os, boolean split) {
        MethodDecl m = ir.method();
        CodeVersion v = ir.version();
        assertEquals(1, b.data().size());
        ObjectNode node = b.data().get(0);
        assertEquals(m.fullName() + "$resumeinfo" + v.suffix, node.symbol());
        assertEquals(8, node.alignment());
        assertEquals(16 * ir.awaitPoints().size(), node.size());
        assertEquals(2 * ir.awaitPoints().size(), node.relocations().size());
        CodeFragment hot = b.fragments().get(0);
        CodeFragment sus = b.fragments().get(split ? 1 : 0);
        assertEquals(split ? 2 : 1, b.fragments().size());
        for (AwaitPoint p : ir.awaitPoints()) {
            Relocation resume = node.relocations().get(2 * p.index());
            Relocation diag = node.relocations().get(2 * p.index() + 1);
            assertEquals(16 * p.index(), resume.offset());
            assertEquals(RelocType.IMAGE_REL_BASED_DIR64, resume.type());
            assertEquals(m.fullName() + "$resume" + v.suffix, resume.symbol());
            assertEquals(0, resume.addend());
            assertEquals(16 * p.index() + 8, diag.offset());
            assertEquals(RelocType.IMAGE_REL_BASED_DIR64, diag.type());
            assertEquals(sus.symbol(), diag.symbol());
            int at = (int) diag.addend();
            byte[] c = sus.code();
            // the suspension block first loads the incoming continuation (reused when there is one) into the
            // WriteBarrier's reference register: mov rdx (Windows) / rsi (SysV), [rbp+home]
            assertArrayEq(os == TargetOs.WINDOWS ? new int[] {0x48, 0x8B, 0x55} : new int[] {0x48, 0x8B, 0x75}, c, at);
            // then its cells, in order: WriteBarrier (prev.Next = the reused continuation), else the layout cell and
            // AllocContinuation, then lea rcx, [rip+resumeInfo+16*index] for the ResumeInfo store
            List<Relocation> next = sus.relocations().stream().filter(r -> r.offset() > at)
                    .sorted((x, y) -> Integer.compare(x.offset(), y.offset())).limit(4).collect(Collectors.toList());
            assertEquals(List.of("helper:0x30", "layout:" + m.fullName() + v.suffix, "helper:0x113", node.symbol()),
                    next.stream().map(Relocation::symbol).collect(Collectors.toList()));
            assertTrue(isCellCall(c, next.get(0)));
            assertTrue(isCellCall(c, next.get(2)));
            assertArrayEq(new int[] {0x48, 0x8D, 0x0D}, c, next.get(3).offset() - 3);
            assertEquals(16L * p.index(), next.get(3).addend());
            // the await's "jnz suspension" reaches exactly this block
            int jumps = 0;
            byte[] h = hot.code();
            for (int i = 0; i + 9 <= h.length; i++) {
                if (u8(h, i) == 0x48 && u8(h, i + 1) == 0x85 && u8(h, i + 2) == 0xC9 && u8(h, i + 3) == 0x0F && u8(h, i + 4) == 0x85) {
                    int target;
                    if (split) {
                        Relocation x = reloc(hot, i + 5);
                        assertEquals(sus.symbol(), x.symbol());
                        target = (int) x.addend();
                    } else {
                        target = i + 9 + i32(h, i + 5);
                    }
                    if (target == at) {
                        jumps++;
                    }
                }
            }
            assertEquals(1, jumps, "one test rcx,rcx; jnz to the suspension block of state " + p);
        }
    }

    static void assertArrayEq(int[] expected, byte[] code, int at) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], u8(code, at + i), "byte " + i + " at " + at);
        }
    }

    static Relocation reloc(CodeFragment f, int offset) {
        for (Relocation r : f.relocations()) {
            if (r.offset() == offset) {
                return r;
            }
        }
        throw new AssertionError("no relocation at " + offset + " in " + f.symbol() + ": " + f.relocations());
    }

    @Test
    void unwindInfoMatchesEmittedPrologs() throws Exception {
        for (String file : EXAMPLES) {
            Scenario s = example(file);
            for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
                FakeCodegenContext ctx = new FakeCodegenContext(os, Defect.B4_HOT_COLD_SPLIT);
                for (MethodDecl m : s.methods().collect(Collectors.toList())) {
                    for (CompiledBody b : compileAll(m, ctx)) {
                        for (int fi = 0; fi < b.fragments().size(); fi++) {
                            checkUnwind(b, fi);
                        }
                    }
                }
            }
        }
    }

    static void checkUnwind(CompiledBody b, int fi) throws Exception {
        CodeFragment f = b.fragments().get(fi);
        X64UnwindInfo u = X64UnwindInfo.decode(f.unwindInfo(), 0);
        assertEquals(f.prologSize(), u.sizeOfProlog());
        assertEquals(0, u.flags());
        List<UnwindCode> prologOrder = new ArrayList<>(u.codes());
        Collections.reverse(prologOrder);
        if (f.kind() == CodeFragment.Kind.COLD) {
            // cold part: no prolog, the hot part's frame described with all codes at offset 0
            X64UnwindInfo hot = X64UnwindInfo.decode(b.fragments().get(0).unwindInfo(), 0);
            assertEquals(0, u.sizeOfProlog());
            assertEquals(hot.frameRegister(), u.frameRegister());
            assertEquals(hot.codes().size(), u.codes().size());
            for (int i = 0; i < u.codes().size(); i++) {
                assertEquals(hot.codes().get(i).op(), u.codes().get(i).op());
                assertEquals(hot.codes().get(i).size(), u.codes().get(i).size());
                assertEquals(0, u.codes().get(i).codeOffset());
            }
            return;
        }
        byte[] prolog = Arrays.copyOf(f.code(), f.prologSize());
        List<String> lines = normalise(LlvmMc.disassemble(prolog));
        assertEquals(prologOrder.size(), lines.size(), f.symbol() + " " + lines);
        assertEquals(prologOrder.get(prologOrder.size() - 1).codeOffset(), f.prologSize());
        for (int k = 0; k < prologOrder.size(); k++) {
            UnwindCode c = prologOrder.get(k);
            // the code's offset is the end of the k-th instruction
            List<String> upTo = normalise(LlvmMc.disassemble(Arrays.copyOf(f.code(), c.codeOffset())));
            assertEquals(lines.subList(0, k + 1), upTo, f.symbol() + " code " + c);
            String insn = lines.get(k);
            switch (c.op()) {
                case UWOP_PUSH_NONVOL -> assertEquals("push " + Register.of(c.opInfo()).name().toLowerCase(), insn);
                case UWOP_SET_FPREG -> {
                    assertEquals(Register.RBP.encoding(), u.frameRegister());
                    assertEquals(0, u.frameOffset());
                    assertEquals("mov rbp, rsp", insn);
                }
                case UWOP_ALLOC_SMALL, UWOP_ALLOC_LARGE -> assertEquals("sub rsp, " + c.size(), insn);
                default -> fail(c.toString());
            }
        }
        if (f.kind() == CodeFragment.Kind.FUNCLET) {
            // a funclet allocates its outgoing area only and keeps the parent's RBP (ZipFile's 0x71D9: sub rsp, 0x38)
            assertEquals(1, lines.size(), f.symbol() + " " + lines);
            assertTrue(lines.get(0).startsWith("sub rsp, "), lines.get(0));
            assertEquals(0, u.frameRegister());
        } else if (b.kind() == CodeBodyKind.RESUMPTION_STUB) {
            assertEquals(List.of("push rbx", "push r12"), lines.subList(0, 2));
            assertEquals(0, u.frameRegister());
        } else {
            assertEquals(List.of("push rbp", "mov rbp, rsp"), lines.subList(0, 2));
        }
    }

    @Test
    void argumentRegistersDependOnOs() throws Exception {
        Scenario s = example("calls.yaml");
        MethodIr square = Lowering.lower(method(s, "Demo.Calls.Square"), CodeVersion.R2R);
        List<String> win = normalise(LlvmMc.disassemble(BACKEND.compileMethod(square, new FakeCodegenContext(TargetOs.WINDOWS))
                .fragments().get(0).code()));
        List<String> lin = normalise(LlvmMc.disassemble(BACKEND.compileMethod(square, new FakeCodegenContext(TargetOs.LINUX))
                .fragments().get(0).code()));
        assertEquals("mov qword ptr [rbp - 8], rcx", win.get(3));
        assertEquals("mov qword ptr [rbp - 8], rdi", lin.get(3));
        // the Windows frame has a 32-byte shadow area for calls; SysV has none
        assertEquals("sub rsp, 48", win.get(2));
        assertEquals("sub rsp, 16", lin.get(2));

        // a call's arguments: Clamp(m, 0, 1000) from Chain -> rcx, rdx, r8 vs rdi, rsi, rdx
        MethodIr chain = Lowering.lower(method(s, "Demo.Calls.Chain"), CodeVersion.R2R);
        List<String> wc = normalise(LlvmMc.disassemble(BACKEND.compileMethod(chain, new FakeCodegenContext(TargetOs.WINDOWS))
                .fragments().get(0).code()));
        List<String> lc = normalise(LlvmMc.disassemble(BACKEND.compileMethod(chain, new FakeCodegenContext(TargetOs.LINUX))
                .fragments().get(0).code()));
        List<String> wArgs = tail(wc, 7).subList(0, 3);
        List<String> lArgs = tail(lc, 7).subList(0, 3);
        assertTrue(wArgs.get(0).startsWith("mov rcx,") && wArgs.get(1).startsWith("mov rdx,") && wArgs.get(2).startsWith("mov r8,"), wArgs.toString());
        assertTrue(lArgs.get(0).startsWith("mov rdi,") && lArgs.get(1).startsWith("mov rsi,") && lArgs.get(2).startsWith("mov rdx,"), lArgs.toString());
    }

    @Test
    void asyncVariantTakesContinuationAfterThis() throws Exception {
        Scenario s = example("async-exception.yaml");
        // static: continuation is the first argument; instance: after this
        List<String> stat = normalise(LlvmMc.disassemble(variant(method(s, "Demo.Faults.Fail"), CodeVersion.R2R,
                new FakeCodegenContext(TargetOs.WINDOWS)).fragments().get(0).code()));
        // the parameters, the two context slots cleared, the continuation to its home slot, then its test
        int sp = stat.indexOf("mov qword ptr [rbp - 8], rdx");
        assertTrue(sp > 0, stat.toString());
        assertTrue(stat.get(sp + 1).endsWith("], 0") && stat.get(sp + 2).endsWith("], 0"), stat.toString());
        assertTrue(stat.get(sp + 3).endsWith("], rcx"), stat.get(sp + 3));
        assertEquals("test rcx, rcx", stat.get(sp + 4));
        List<String> inst = normalise(LlvmMc.disassemble(variant(method(s, "Demo.Counter.Bump"), CodeVersion.R2R,
                new FakeCodegenContext(TargetOs.LINUX)).fragments().get(0).code()));
        int ip = inst.indexOf("mov qword ptr [rbp - 8], rdi");
        assertEquals("mov qword ptr [rbp - 16], rdx", inst.get(ip + 1));
        assertTrue(inst.get(ip + 4).endsWith("], rsi"), inst.get(ip + 4));
        assertEquals("test rsi, rsi", inst.get(ip + 5));
    }

    @Test
    void hotColdSplitWithB4() throws Exception {
        for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
            MethodDecl m = method(example("async-nested.yaml"), "Demo.Nested.B");
            MethodIr ir = Lowering.lower(m, CodeVersion.R2R);
            CompiledBody plain = BACKEND.compileAsyncVariant(ir, new FakeCodegenContext(os));
            assertEquals(1, plain.fragments().size());
            CompiledBody split = BACKEND.compileAsyncVariant(ir, new FakeCodegenContext(os, Defect.B4_HOT_COLD_SPLIT));
            assertEquals(2, split.fragments().size());
            CodeFragment hot = split.fragments().get(0);
            CodeFragment cold = split.fragments().get(1);
            assertEquals("Demo.Nested.B$async", hot.symbol());
            assertEquals("Demo.Nested.B$async$cold", cold.symbol());
            // the suspension code is in the cold part only
            assertTrue(relocsTo(hot, "helper:0x113").isEmpty());
            assertEquals(1, relocsTo(cold, "helper:0x113").size());
            assertTrue(relocsTo(hot, "layout:Demo.Nested.B").isEmpty());
            assertTrue(relocsTo(hot, "helper:0x27").isEmpty());
            assertEquals(1, relocsTo(cold, "helper:0x27").size());
            checkResumeInfo(ir, split, os, true);
            // the cold resume block jumps back to the hot resume point: jmp rel32 with REL32 to the hot symbol
            List<Relocation> back = relocsTo(cold, hot.symbol());
            assertEquals(1, back.size());
            assertEquals(0xE9, u8(cold.code(), back.get(0).offset() - 1));
            int resumePoint = (int) back.get(0).addend();
            // ... right after the await's suspension check (jnz rel32) and the store of the result
            List<Relocation> toCold = relocsTo(hot, cold.symbol());
            assertEquals(2, toCold.size(), "entry test -> dispatch, await -> suspension");
            Relocation awaitJump = toCold.get(1);
            assertEquals(0x0F, u8(hot.code(), awaitJump.offset() - 2));
            assertEquals(0x85, u8(hot.code(), awaitJump.offset() - 1));
            // jnz; then mov [rbp+dst], rax (48 89 45 d8) then the resume point
            assertEquals(awaitJump.offset() + 4 + 4, resumePoint);
            // the dispatch target (first cold jump) lies in the cold part, after the suspension block
            int dispatch = (int) toCold.get(0).addend();
            assertTrue(dispatch > 0 && dispatch < cold.code().length);
            // same bytes other than the split: the hot part + cold part hold the same instruction count + nothing lost
            assertEquals(plain.fragments().get(0).code().length, hot.code().length + cold.code().length);
        }
    }

    @Test
    void tier1VersionUsesOtherStatesAndSlotOffsets() throws Exception {
        String yaml = String.join("\n",
                "module: TwoAwaits",
                "types:",
                "  - name: Demo.T",
                "    methods:",
                "      - name: M",
                "        async: true",
                "        tier1: true",
                "        params: [x]",
                "        returns: int",
                "        body: |",
                "          var a = x + 1",
                "          await yield",
                "          var b = a * 2",
                "          await yield",
                "          return a + b",
                "");
        Scenario s = ScenarioParser.parse("two.yaml", yaml);
        MethodDecl m = method(s, "Demo.T.M");
        for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
            MethodIr r2r = Lowering.lower(m, CodeVersion.R2R);
            MethodIr t1 = Lowering.lower(m, CodeVersion.TIER1);
            List<String> a = normalise(LlvmMc.disassemble(BACKEND.compileAsyncVariant(r2r, new FakeCodegenContext(os))
                    .fragments().get(0).code()));
            List<String> b = normalise(LlvmMc.disassemble(BACKEND.compileAsyncVariant(t1, new FakeCodegenContext(os))
                    .fragments().get(0).code()));
            assertEquals(List.of("cmp rax, 0", "cmp rax, 1"), grep(a, "cmp rax, "));
            assertEquals(List.of("cmp rax, 1", "cmp rax, 0"), grep(b, "cmp rax, "));
            // Flags (0x9: ContinueOnThreadPool, Exception index 1) and State in one qword store: an imm32 for State 0,
            // movabs rcx for State 1 (0x100000009).
            assertEquals(List.of("movabs rcx, 4294967305"), grep(a, "movabs rcx, "));
            assertEquals(List.of("movabs rcx, 4294967305"), grep(b, "movabs rcx, "));
            // continuation stores: ResumeInfo, Flags|State, the slots live across each await with the version's
            // offsets (the first saves a, the second a and b; Tier1 keeps them in reverse); and each resume block's
            // clearing of the Exception slot (+32)
            List<String> sa = grep(a, "mov qword ptr [rax + ");
            List<String> sb = grep(b, "mov qword ptr [rax + ");
            assertEquals(List.of("mov qword ptr [rax + 16], rcx", "mov qword ptr [rax + 24], 9", "mov qword ptr [rax + 48], rcx",
                    "mov qword ptr [rax + 16], rcx", "mov qword ptr [rax + 24], rcx", "mov qword ptr [rax + 48], rcx",
                    "mov qword ptr [rax + 56], rcx", "mov qword ptr [rax + 32], 0", "mov qword ptr [rax + 32], 0"), sa);
            assertEquals(List.of("mov qword ptr [rax + 16], rcx", "mov qword ptr [rax + 24], rcx", "mov qword ptr [rax + 56], rcx",
                    "mov qword ptr [rax + 16], rcx", "mov qword ptr [rax + 24], 9", "mov qword ptr [rax + 56], rcx",
                    "mov qword ptr [rax + 48], rcx", "mov qword ptr [rax + 32], 0", "mov qword ptr [rax + 32], 0"), sb);
            // Continuation data from +32: the Exception slot, the ExecutionContext slot (no await has a value), then the
            // saved slots a and b (reversed in Tier1); x and the temporaries are dead across both awaits.
            int slotA = r2r.slotNames().indexOf("a");
            int slotB = r2r.slotNames().indexOf("b");
            assertEquals(48, r2r.continuation().slotOffset(slotA));
            assertEquals(56, r2r.continuation().slotOffset(slotB));
            assertEquals(56, t1.continuation().slotOffset(slotA));
            assertEquals(-1, r2r.continuation().slotOffset(0));
            assertEquals(32, r2r.continuation().dataSize());
            checkResumeInfo(t1, BACKEND.compileAsyncVariant(t1, new FakeCodegenContext(os)), os, false);
        }
    }

    static List<String> grep(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
    }

    @Test
    void taskThunkCallsVariantThroughCell() throws Exception {
        MethodDecl m = method(example("async-basic.yaml"), "Demo.Program.Compute");
        FakeCodegenContext ctx = new FakeCodegenContext(TargetOs.WINDOWS);
        CompiledBody b = BACKEND.compileTaskThunk(Lowering.lower(m, CodeVersion.R2R), ctx);
        CodeFragment f = b.fragments().get(0);
        assertEquals("Demo.Program.Compute", f.symbol());
        // Push, the variant, FromResult or FinalizeTaskReturningThunk, Pop; then the catch funclet's TaskFromException and
        // the fault funclet's Pop (ZipFile's OpenAsync, 0x5970)
        assertEquals(List.of("rm:EXECUTION_AND_SYNC_BLOCK_STORE_PUSH", "cell:Demo.Program.Compute$async", "rm:TASK_FROM_RESULT",
                "rm:FINALIZE_TASK_RETURNING_THUNK_OF_T", "rm:EXECUTION_AND_SYNC_BLOCK_STORE_POP", "rm:TASK_FROM_EXCEPTION_OF_T",
                "rm:EXECUTION_AND_SYNC_BLOCK_STORE_POP"), ctx.requested);
        for (Relocation r : f.relocations()) {
            assertTrue(isCellCall(f.code(), r));
        }
        List<String> l = normalise(LlvmMc.disassemble(f.code()));
        // Push(&store), the call, the Task kept at [rbp-16] across Pop(&store) (the 24-byte store at [rbp-40])
        assertEquals(List.of("push rbp", "mov rbp, rsp", "sub rsp, 80", "mov qword ptr [rbp - 8], rcx", "lea rcx, [rbp - 40]",
                "call qword ptr [rip]", "mov rdx, qword ptr [rbp - 8]", "xor ecx, ecx", "call qword ptr [rip]", "test rcx, rcx",
                "jne 18", "mov rcx, rax", "call qword ptr [rip]", "mov qword ptr [rbp - 16], rax", "jmp 10", "call qword ptr [rip]",
                "mov qword ptr [rbp - 16], rax", "lea rcx, [rbp - 40]", "call qword ptr [rip]", "mov rax, qword ptr [rbp - 16]",
                "lea rsp, [rbp]", "pop rbp", "ret"), l);
        // the catch funclet: TaskFromException(exception in RCX), the Task stored, the resume address (Pop) returned
        List<String> handler = normalise(LlvmMc.disassemble(b.fragments(CodeFragment.Kind.FUNCLET).get(0).code()));
        assertEquals(List.of("sub rsp, 40", "call qword ptr [rip]", "mov qword ptr [rbp - 16], rax", "lea rax, [rip]", "add rsp, 40",
                "ret"), handler);
    }

    @Test
    void divisionChecksForZeroAndThrowUsesHelper() throws Exception {
        MethodDecl main = method(example("calls.yaml"), "Demo.Calls.Main");
        FakeCodegenContext ctx = new FakeCodegenContext(TargetOs.LINUX);
        CodeFragment f = BACKEND.compileMethod(Lowering.lower(main, CodeVersion.R2R), ctx).fragments().get(0);
        List<Relocation> dz = relocsTo(f, "helper:0x26");
        assertEquals(1, dz.size());
        assertTrue(isCellCall(f.code(), dz.get(0)));
        assertEquals(0xCC, u8(f.code(), dz.get(0).offset() + 4), "int3 after the non-returning helper");
        List<String> l = normalise(LlvmMc.disassemble(f.code()));
        assertTrue(l.contains("cqo") && l.contains("idiv rcx"), l.toString());

        FakeCodegenContext c2 = new FakeCodegenContext(TargetOs.WINDOWS);
        CodeFragment check = BACKEND.compileMethod(Lowering.lower(method(example("calls.yaml"), "Demo.Calls.Check"),
                CodeVersion.R2R), c2).fragments().get(0);
        Relocation thr = relocsTo(check, "helper:0x20").get(0);
        assertEquals(0xCC, u8(check.code(), thr.offset() + 4));
        // the exception object NewObject allocated (its code stored in it) in the first argument register: mov rcx, rax
        assertEquals(1, relocsTo(check, "helper:0x60").size());
        assertEquals(1, relocsTo(check, "type:System.Exception").size());
        byte[] c = check.code();
        assertArrayEq(new int[] {0x48, 0x89, 0xC1}, c, thr.offset() - 2 - 3);
    }

    /** One decoded instruction: offset, length, text. */
    record Decoded(int offset, int length, String text) {
    }

    /** llvm-mc with --show-encoding: instruction boundaries of {@code code}. */
    static List<Decoded> decode(byte[] code) throws Exception {
        Path in = Files.createTempFile("x64be", ".hex");
        try {
            Files.writeString(in, LlvmMc.hex(code) + "\n");
            ProcessBuilder pb = new ProcessBuilder(LlvmMc.tool(), "--disassemble", "-triple=x86_64", "-output-asm-variant=1",
                    "--show-encoding");
            pb.redirectInput(in.toFile());
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor());
            List<Decoded> res = new ArrayList<>();
            int off = 0;
            for (String line : out.split("\n")) {
                String t = line.trim();
                if (t.isEmpty() || t.startsWith(".") || t.startsWith("#")) {
                    continue;
                }
                int e = t.indexOf("# encoding: [");
                assertTrue(e > 0, "unexpected llvm-mc line: " + t);
                String enc = t.substring(e + "# encoding: [".length(), t.indexOf(']', e));
                int len = enc.split(",").length;
                res.add(new Decoded(off, len, t.substring(0, e).trim().replaceAll("\\s+", " ")));
                off += len;
            }
            assertEquals(code.length, off, "decoded length");
            return res;
        } finally {
            Files.deleteIfExists(in);
        }
    }

    @Test
    void branchesLandOnInstructionsAndRelocationsEndInstructions() throws Exception {
        for (String file : EXAMPLES) {
            Scenario s = example(file);
            for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
                FakeCodegenContext ctx = new FakeCodegenContext(os, Defect.B4_HOT_COLD_SPLIT);
                for (MethodDecl m : s.methods().collect(Collectors.toList())) {
                    for (CompiledBody b : compileAll(m, ctx)) {
                        Map<String, Set<Integer>> starts = new HashMap<>();
                        Map<String, List<Decoded>> decoded = new HashMap<>();
                        for (CodeFragment f : b.fragments()) {
                            List<Decoded> d = decode(f.code());
                            decoded.put(f.symbol(), d);
                            Set<Integer> st = new HashSet<>();
                            for (Decoded x : d) {
                                st.add(x.offset());
                            }
                            starts.put(f.symbol(), st);
                        }
                        for (CodeFragment f : b.fragments()) {
                            Set<Integer> ends = new HashSet<>();
                            for (Decoded x : decoded.get(f.symbol())) {
                                ends.add(x.offset() + x.length());
                                byte[] c = f.code();
                                boolean rel32Branch = u8(c, x.offset()) == 0xE9
                                        || (u8(c, x.offset()) == 0x0F && (u8(c, x.offset() + 1) & 0xF0) == 0x80);
                                int field = x.offset() + x.length() - 4;
                                boolean relocated = f.relocations().stream().anyMatch(r -> r.offset() == field);
                                if (rel32Branch && !relocated) {
                                    int target = x.offset() + x.length() + i32(c, field);
                                    assertTrue(starts.get(f.symbol()).contains(target), f.symbol() + " " + x);
                                }
                            }
                            for (Relocation r : f.relocations()) {
                                assertTrue(ends.contains(r.offset() + 4), f.symbol() + " " + r + " does not end an instruction");
                                if (starts.containsKey(r.symbol())) {
                                    assertTrue(starts.get(r.symbol()).contains((int) r.addend()), "cross-fragment " + r);
                                }
                            }
                        }
                        // RBP frames keep RSP 16-aligned in the body; the stub's pushes + alloc do too
                        X64UnwindInfo u = X64UnwindInfo.decode(b.fragments().get(0).unwindInfo(), 0);
                        int pushed = 8; // return address
                        for (UnwindCode c : u.codes()) {
                            pushed += c.op() == UnwindOp.UWOP_PUSH_NONVOL ? 8 : c.size();
                        }
                        assertEquals(0, pushed % 16, b.fragments().get(0).symbol() + " stack alignment at calls");
                    }
                }
            }
        }
    }

    @Test
    void thunksAndHandlerFlag() {
        ObjectNode t = BACKEND.delayLoadThunk("thunk", 3, "module", "helper", false);
        assertArrayEquals(new byte[] {0x31, (byte) 0xC0, 0x6A, 3, (byte) 0xFF, 0x35, 0, 0, 0, 0, (byte) 0xFF, 0x25, 0, 0, 0, 0},
                t.bytes());
        assertEquals(List.of(new Relocation(6, RelocType.IMAGE_REL_BASED_REL32, "module", 0),
                new Relocation(12, RelocType.IMAGE_REL_BASED_REL32, "helper", 0)), t.relocations());
        ObjectNode e = BACKEND.delayLoadThunk("thunk2", 3, "module", "helper", true);
        assertEquals(14, e.size());
        assertEquals(0x6A, e.bytes()[0]);
        ObjectNode j = BACKEND.jumpThunk("pers", "cell");
        assertArrayEquals(new byte[] {(byte) 0xFF, 0x25, 0, 0, 0, 0}, j.bytes());
        assertEquals("cell", j.relocations().get(0).symbol());
        byte[] u = {0x01, 0x08, 0x03, 0x05};
        byte[] h = BACKEND.withHandlerFlag(u);
        assertEquals(0x19, h[0]);
        assertEquals(0x01, u[0], "input untouched");
        assertEquals(0x8664, BACKEND.machine().value, "IMAGE_FILE_MACHINE_AMD64");
    }

    static void assertArrayEquals(byte[] expected, byte[] actual) {
        Assertions.assertArrayEquals(expected, actual);
    }
}
