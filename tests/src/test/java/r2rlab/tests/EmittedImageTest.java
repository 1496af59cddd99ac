package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioBuilder;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.nativeformat.NativeHashtable;
import r2rlab.format.nativeformat.NativeReader;
import r2rlab.format.pe.DataDirectory;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.VersionResilientHash;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;

/** Emitted images read back by the loader: what it reads is what was emitted. */
class EmittedImageTest {
    static Stream<Arguments> examplesOnBothArchitectures() {
        List<Arguments> out = new ArrayList<>();
        for (Path p : Emitted.examples()) {
            for (Architecture a : Architecture.values()) {
                for (StubLayout layout : StubLayout.values()) {
                    out.add(Arguments.of(p.getFileName().toString(), a, layout));
                }
            }
        }
        return out.stream();
    }

    /**
     * What each example declares, counted by hand from its YAML: methods, async methods, async
     * methods that await (each gets one resumption stub), Tier1 bodies (an awaiting async method with
     * {@code tier1: true} gets a second async variant and a second stub), and stubs in all.
     */
    private record Declared(int methods, int async, int awaiting, int tier1Bodies, int stubs) {
    }

    private static final Map<String, Declared> DECLARED = Map.of(
            "async-basic.yaml", new Declared(2, 2, 2, 0, 2),
            "async-exception.yaml", new Declared(4, 4, 4, 0, 4),
            "async-nested.yaml", new Declared(3, 3, 3, 0, 3),
            "calls.yaml", new Declared(7, 0, 0, 0, 0),
            "exceptions.yaml", new Declared(11, 5, 5, 0, 5),
            "gc-refs.yaml", new Declared(7, 6, 6, 0, 6),
            "gcpoint.yaml", new Declared(2, 1, 1, 0, 1),
            "tiering.yaml", new Declared(2, 2, 2, 2, 3));

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("examplesOnBothArchitectures")
    void roundTrip(String example, Architecture arch, StubLayout layout) {
        Scenario s = Emitted.scenario(example);
        byte[] bytes = Emitter.emit(s, new EmitOptions(arch, TargetOs.WINDOWS, Set.of(), layout));
        R2RImage img = Emitted.read(bytes);

        assertEquals("18.5", img.header().version());
        assertEquals(arch.machine.value, img.pe().rawMachine());
        assertTrue(img.pe().isPe32Plus());
        Declared declared = DECLARED.get(example);
        List<Integer> types = new ArrayList<>();
        img.header().sections().forEach(sec -> types.add(sec.type()));
        // CompilerIdentifier, ImportSections, RuntimeFunctions, MethodDefEntryPoints, ExceptionInfo (the Task-returning
        // methods' Push/Pop clauses, and every try), DelayLoadMethodCallThunks, InstanceMethodEntryPoints (async variants
        // only), ManifestMetadata, r2rlab's Tier1 section (Tier1 bodies only).
        List<Integer> expectedTypes = new ArrayList<>(List.of(100, 101, 102, 103));
        if (declared.async() > 0) {
            expectedTypes.add(104);
        }
        expectedTypes.add(106);
        if (declared.async() > 0) {
            expectedTypes.add(109);
        }
        expectedTypes.add(112);
        if (declared.tier1Bodies() > 0) {
            expectedTypes.add(0x7F01);
        }
        assertEquals(expectedTypes, types);

        // The seven import sections crossgen2 writes, with its flags and types.
        List<List<Integer>> sections = new ArrayList<>();
        for (ImportSection is : img.importSections()) {
            sections.add(List.of(is.flags(), is.type(), is.entrySize()));
        }
        assertEquals(List.of(List.of(0, 0, 8), List.of(4, 2, 8), List.of(1, 0, 8), List.of(4, 0, 8), List.of(4, 2, 8),
                List.of(4, 0, 8), List.of(0, 3, 8)), sections);
        // The eager section starts with the Module cell (1A 01) the runtime looks for.
        assertEquals(FixupSignature.Helper.of(1), img.importSections().get(2).cells().get(0).signature());

        // Every scenario method has a MethodDef entry point under its name; async methods also an async variant.
        Map<String, ReadyToRunMethod> defs = new TreeMap<>();
        Map<String, ReadyToRunMethod> variants = new TreeMap<>();
        for (ReadyToRunMethod m : img.methods()) {
            if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                defs.put(m.name() + "/" + m.token(), m);
            } else if (m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS) {
                assertEquals(CodeBodyKind.ASYNC_VARIANT, m.kind());
                assertEquals(0x100, m.signature().flags());
                variants.put(m.name(), m);
            }
        }
        List<MethodDecl> methods = s.methods().collect(Collectors.toList());
        assertEquals(declared.methods(), methods.size());
        assertEquals(declared.methods(), defs.size());
        Set<String> names = new TreeSet<>();
        defs.values().forEach(m -> names.add(m.name()));
        for (MethodDecl m : methods) {
            assertTrue(names.contains(m.fullName()), m.fullName() + " in " + names);
        }
        for (ReadyToRunMethod m : defs.values()) {
            int rid = m.token() & 0xFFFFFF;
            assertEquals(m.name(), img.metadata().methodDefName(rid));
        }
        assertEquals(declared.async(), variants.size());

        // Each awaiting async variant names exactly one stub, placed as the layout asks, with its owner.
        List<ResumptionStub> stubs = img.resumptionStubs().stream()
                .filter(st -> st.owner() != null && st.owner().source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS)
                .collect(Collectors.toList());
        assertEquals(declared.awaiting(), stubs.size());
        for (ResumptionStub st : stubs) {
            ReadyToRunMethod owner = st.owner();
            assertTrue((img.metadata().methodImplFlags(owner.token() & 0xFFFFFF) & MethodImplAttributes.ASYNC) != 0);
            assertTrue(st.runtimeFunction() >= 0);
            assertTrue(owner.fixups().contains(new FixupCell(st.importSection(), st.cellIndex())));
            // The variant's fixups also hold its ContinuationLayout cell, in the precode section.
            assertTrue(owner.fixups().stream().anyMatch(f -> f.importSection() == 5
                    && img.importSections().get(5).cells().get(f.slot()).signature().kind() == ReadyToRunFixupKind.ContinuationLayout));
            if (layout == StubLayout.ADJACENT) {
                // right after the variant and its funclets
                assertEquals(owner.entryRuntimeFunction() + owner.runtimeFunctions().size(), st.runtimeFunction(), "stub right after its variant");
            } else {
                assertTrue(st.runtimeFunction() < owner.entryRuntimeFunction(), "grouped stubs come before the variants");
            }
            ReadyToRunMethod stubMethod = img.methods().stream().filter(m -> m.entryRuntimeFunction() == st.runtimeFunction())
                    .findFirst().orElseThrow();
            assertEquals(CodeBodyKind.RESUMPTION_STUB, stubMethod.kind());
            assertEquals(List.of(st.runtimeFunction()), stubMethod.runtimeFunctions());
        }
        if (layout == StubLayout.GROUPED && stubs.size() > 1) {
            List<Integer> rfs = stubs.stream().map(ResumptionStub::runtimeFunction).sorted().collect(Collectors.toList());
            assertEquals(rfs.get(0) + rfs.size() - 1, (int) rfs.get(rfs.size() - 1), "one contiguous block");
        }
        // Every runtime function belongs to exactly one method, as its entry (nothing is a funclet here).
        Set<Integer> claimed = new TreeSet<>();
        img.methods().forEach(m -> m.runtimeFunctions().forEach(rf -> assertTrue(claimed.add(rf), "rf " + rf + " claimed twice")));
        assertEquals(img.runtimeFunctions().size(), claimed.size());
        // Tier1 versions are present but reachable only through r2rlab's own section.
        long tier1Bodies = img.methods().stream().filter(m -> m.source() == ReadyToRunMethod.Source.TIER1_CODE_VERSIONS).count();
        assertEquals(declared.tier1Bodies(), tier1Bodies);
        assertEquals(declared.stubs(), img.resumptionStubs().size(), "R2R and Tier1 stubs");
    }

    /** The runtime finds an async variant by hashing its MethodDesc: the lookup path must reach each entry. */
    @Test
    void instanceEntryPoints_foundByVersionResilientHash() {
        Scenario s = ScenarioBuilder.create("hash.yaml").module("Hash")
                .type("Demo.Outer").staticMethod("Run").async().returnsInt().body("await yield\nreturn 1")
                .type("Demo.Outer+Inner").staticMethod("Go").async().returnsInt().body("await yield\nreturn 2")
                .build();
        for (Architecture a : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(s, a));
            var sec = img.header().section(109);
            long off = img.pe().rvaToOffset("t", sec.rva(), sec.size());
            var reader = new NativeReader(img.pe().file(), off, sec.size(), "InstanceMethodEntryPoints");
            var table = new NativeHashtable(reader, off);
            int outer = VersionResilientHash.typeHash("Demo", "Outer");
            int inner = VersionResilientHash.nestedTypeHash(outer, "", "Inner");
            for (Object[] c : new Object[][] {{outer, "Run", "Demo.Outer.Run"}, {inner, "Go", "Demo.Outer+Inner.Go"}}) {
                int hash = VersionResilientHash.methodHash((int) c[0], (String) c[1]);
                var hits = table.lookup(hash);
                assertEquals(1, hits.size(), c[2] + " found in its bucket with its low hash byte");
                ReadyToRunMethod variant = img.methods().stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT && m.name().equals(c[2]))
                        .findFirst().orElseThrow();
                // The entry's signature is {flags 0x100, MethodDef rid} of that method.
                long v = hits.get(0).vertexOffset();
                assertEquals(0x81, img.pe().file().u8("sig", v));
                assertEquals(0x00, img.pe().file().u8("sig", v + 1));
                assertEquals(variant.token() & 0xFFFFFF, img.pe().file().u8("sig", v + 2));
            }
        }
    }

    @Test
    void sameInput_byteIdenticalImage() {
        for (Path p : Emitted.examples()) {
            for (Architecture a : Architecture.values()) {
                Scenario s = Emitted.scenario(p);
                assertArrayEquals(Emitted.emit(s, a), Emitted.emit(Emitted.scenario(p), a), p + " " + a);
            }
        }
    }

    @Test
    void osChangesOnlyTheMachineValueAndLayout() {
        Scenario s = Emitted.scenario("async-basic.yaml");
        for (Architecture a : Architecture.values()) {
            byte[] linux = Emitter.emit(s, EmitOptions.of(a).withOs(TargetOs.LINUX));
            R2RImage img = Emitted.read(linux);
            assertEquals(TargetOs.LINUX, img.pe().os());
            assertEquals(a.machine.value ^ 0x7B79, img.pe().rawMachine());
            assertEquals(0x200, img.pe().fileAlignment());
            R2RImage mac = Emitted.read(Emitter.emit(s, EmitOptions.of(a).withOs(TargetOs.MACOS)));
            assertEquals(a.machine.value ^ 0x4644, mac.pe().rawMachine());
        }
    }

    @Test
    void llvmReadobj_acceptsEveryImage(@TempDir Path dir) {
        for (Path p : Emitted.examples()) {
            for (Architecture a : Architecture.values()) {
                for (TargetOs os : List.of(TargetOs.WINDOWS, TargetOs.LINUX)) {
                    Path f = Emitted.write(dir, "img.dll", Emitter.emit(Emitted.scenario(p), EmitOptions.of(a).withOs(os)));
                    String[] r = Emitted.run(List.of("llvm-readobj-14", "--file-headers", "--sections", f.toString()));
                    assertEquals("0", r[0], p + " " + a + " " + os + ": " + r[2]);
                    assertEquals("", r[2].strip(), p + " " + a + " " + os);
                    assertTrue(r[1].contains("SectionCount: 3"), r[1]);
                    if (os == TargetOs.WINDOWS) {
                        assertTrue(r[1].contains(a == Architecture.X64 ? "Format: COFF-x86-64" : "Format: COFF-ARM64"), r[1]);
                    }
                }
            }
        }
    }

    @Test
    void exceptionDirectoryPointsAtRuntimeFunctions() {
        for (Architecture a : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-nested.yaml"), a));
            var dir = img.pe().dataDirectory(DataDirectory.EXCEPTION);
            var rf = img.header().section(102);
            assertEquals(rf.rva(), dir.rva());
            assertEquals(rf.size(), dir.size());
        }
    }

    @Test
    void monodis_listsTypesAndPrimitiveMethods(@TempDir Path dir) {
        Scenario s = Emitted.scenario("calls.yaml");
        Path f = Emitted.write(dir, "calls.dll", Emitted.emit(s, Architecture.X64));
        String[] typedefs = Emitted.run(List.of("monodis", "--typedef", f.toString()));
        assertEquals("0", typedefs[0], typedefs[2]);
        for (var t : s.types()) {
            String shown = t.enclosing() == null ? t.namespace() + "." + t.name() : t.enclosing() + "/" + t.name();
            assertTrue(typedefs[1].contains(shown), shown + " in\n" + typedefs[1]);
        }
        String[] methods = Emitted.run(List.of("monodis", "--method", f.toString()));
        assertEquals("0", methods[0], methods[2]);
        assertTrue(methods[1].startsWith("Method Table (1..7)"), "calls.yaml declares 7 methods:\n" + methods[1]);
        s.methods().filter(m -> !m.isAsync()).forEach(m -> assertTrue(methods[1].contains(" " + m.name() + " "),
                m.name() + " in\n" + methods[1]));
    }
}
