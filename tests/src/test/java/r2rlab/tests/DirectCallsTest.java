package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.StubLayout;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/**
 * Calls between methods go through import cells, so the runtime runs a callee's fixups before the callee: in the
 * 24 real images the only direct calls ({@code call rel32}) into another method's entry point are each resumption
 * stub's call of its own async variant. Emitted images keep to that; with direct-calls they do not.
 */
class DirectCallsTest {
    /** A direct call or jump into another method's entry point, at code RVA {@code rva}: "stub" or "caller -> callee". */
    record DirectCall(long rva, String what) {
    }

    /** The direct calls and jumps of {@code img} into another method's entry point: "stub" for a stub calling its own variant, else "caller -> callee". */
    static List<String> directCalls(R2RImage img, boolean arm64) {
        return directCallSites(img, arm64).stream().map(DirectCall::what).toList();
    }

    /** {@link #directCalls}, each with the RVA of its instruction. */
    static List<DirectCall> directCallSites(R2RImage img, boolean arm64) {
        Map<Long, ReadyToRunMethod> entries = new HashMap<>();
        for (ReadyToRunMethod m : img.methods()) {
            entries.putIfAbsent(img.pe().imageBase() + m.entryRva(), m);
        }
        Map<Long, ReadyToRunMethod> ownerOfStub = new HashMap<>();
        for (ResumptionStub s : img.resumptionStubs()) {
            ownerOfStub.put(s.rva(), s.owner());
        }
        List<DirectCall> out = new ArrayList<>();
        try (Disassembler d = new Disassembler(arm64)) {
            for (ReadyToRunMethod m : img.methods()) {
                for (int rfIndex : m.runtimeFunctions()) {
                    RuntimeFunction rf = img.runtimeFunctions().get(rfIndex);
                    for (Disassembler.Insn in : d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva())) {
                        boolean branch = arm64 ? in.mnemonic().equals("bl") || in.mnemonic().equals("b")
                                : in.mnemonic().equals("call") || in.mnemonic().equals("jmp");
                        String op = in.operands().replace("#", "");
                        if (!branch || !op.matches("0x[0-9a-f]+")) {
                            continue;
                        }
                        ReadyToRunMethod callee = entries.get(Long.decode(op));
                        if (callee == null || callee == m) {
                            continue;
                        }
                        boolean stubToOwner = m.kind() == CodeBodyKind.RESUMPTION_STUB && ownerOfStub.get(m.entryRva()) == callee;
                        out.add(new DirectCall(in.address() - img.pe().imageBase(),
                                stubToOwner ? "stub" : m.name() + " -> " + callee.name() + (callee.kind() == CodeBodyKind.ASYNC_VARIANT ? " [ASYNC]" : "")));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void realImages_onlyEachStubCallsItsVariantDirectly() throws Exception {
        int stubCalls = 0;
        for (Path p : Fixtures.net11()) {
            R2RImage img = R2RImage.read(p);
            List<String> calls = directCalls(img, false);
            List<String> others = calls.stream().filter(c -> !c.equals("stub")).toList();
            assertEquals(List.of(), others, p.getFileName().toString());
            assertEquals(img.resumptionStubs().size(), calls.size(), p.getFileName() + ": one direct call per stub");
            stubCalls += calls.size();
        }
        assertEquals(471, stubCalls);
    }

    @Test
    void emittedImages_onlyEachStubCallsItsVariantDirectly() {
        for (Architecture arch : Architecture.values()) {
            for (StubLayout layout : StubLayout.values()) {
                for (Path p : Emitted.examples()) {
                    R2RImage img = Emitted.read(Emitted.emitWith(Emitted.scenario(p), arch, layout));
                    List<String> calls = directCalls(img, arch == Architecture.ARM64);
                    assertEquals(List.of(), calls.stream().filter(c -> !c.equals("stub")).toList(), arch + " " + layout + " " + p.getFileName());
                    assertEquals(img.resumptionStubs().size(), calls.size(), arch + " " + p.getFileName());
                }
            }
        }
    }

    @Test
    void directCallsSwitch_callsAndAwaitsInTheLanguagesPlainFormAreDirect() {
        for (Architecture arch : Architecture.values()) {
            R2RImage calls = Emitted.read(Emitted.emit(Emitted.scenario("calls.yaml"), arch, Defect.DIRECT_CALLS));
            // `call T.M` is direct; `call cell` and `tailcall cell` keep their cells.
            assertEquals(List.of("Demo.Calls.Main -> Demo.Calls.Square", "Demo.Calls.Main -> Demo.Calls.Check",
                    "Demo.Calls.Main -> Demo.Calls.Chain"), directCalls(calls, arch == Architecture.ARM64), arch.toString());
            R2RImage nested = Emitted.read(Emitted.emit(Emitted.scenario("async-nested.yaml"), arch, Defect.DIRECT_CALLS));
            // A awaits B directly; B awaits C through a cell (`await cell`).
            assertEquals(List.of("Demo.Nested.A -> Demo.Nested.B [ASYNC]", "stub", "stub", "stub"),
                    directCalls(nested, arch == Architecture.ARM64), arch.toString());
        }
    }
}
