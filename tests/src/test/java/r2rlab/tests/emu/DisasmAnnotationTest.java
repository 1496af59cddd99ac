package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Fixtures;

/** r2rlab.emu.disasm: regions of an image and the annotations of cell, helper and direct calls. */
class DisasmAnnotationTest {
    static R2RImage image(String example, Architecture arch) throws Exception {
        return R2RImage.read(example, Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve(example)), EmitOptions.of(arch)));
    }

    @Test
    void sectionNamesFollowCrossgen2() throws Exception {
        R2RImage img = image("calls.yaml", Architecture.X64);
        ImageSymbols s = new ImageSymbols(img);
        assertEquals("EagerImports", s.sectionName(2));
        assertEquals("DispatchImports", s.sectionName(1));
        assertEquals("MethodImports", s.sectionName(4));
        assertEquals("StringImports", s.sectionName(6));
    }

    @Test
    void asyncImageRegionsCoverMethodsStubsAndThunks() throws Exception {
        for (Architecture arch : Architecture.values()) {
            R2RImage img = image("async-basic.yaml", arch);
            try (ImageDisassembler d = new ImageDisassembler(img)) {
                List<ImageDisassembler.Region> regions = d.regions();
                assertEquals(img.runtimeFunctions().size(), regions.stream().filter(r -> r.runtimeFunction() >= 0).count());
                assertEquals(img.resumptionStubs().size(),
                        regions.stream().filter(r -> r.kind() == ImageDisassembler.Region.Kind.RESUMPTION_STUB).count(), arch.toString());
                assertTrue(regions.stream().anyMatch(r -> r.kind() == ImageDisassembler.Region.Kind.THUNK));
                for (ImageDisassembler.Region r : regions) {
                    assertTrue(!r.lines().isEmpty(), r.name());
                    ImageDisassembler.Line last = r.lines().get(r.lines().size() - 1);
                    if (r.kind() != ImageDisassembler.Region.Kind.THUNK) {
                        assertEquals(r.endRva(), last.rva() + last.size(), "every byte of " + r.name() + " decodes");
                    }
                }
                // the stub calls its async variant directly; the Task-returning method calls it through a cell
                ImageDisassembler.Region stub = regions.stream().filter(r -> r.kind() == ImageDisassembler.Region.Kind.RESUMPTION_STUB
                        && r.name().startsWith("Demo.Program.Main")).findFirst().orElseThrow();
                assertTrue(stub.lines().stream().anyMatch(l -> l.annotation().equals("-> [ASYNC] Demo.Program.Main")
                        && (l.text().startsWith("call 0x") || l.text().startsWith("bl #0x"))), stub.lines().toString());
                assertTrue(regions.stream().flatMap(r -> r.lines().stream())
                        .anyMatch(l -> l.annotation().contains("MethodImports[") && l.annotation().contains("MethodEntry")
                                && l.annotation().contains("Demo.Program.Main")), arch.toString());
                assertTrue(regions.stream().flatMap(r -> r.lines().stream())
                        .anyMatch(l -> l.annotation().contains("ResumptionStubEntryPoint") || l.annotation().contains("PrecodeImports")
                                || l.annotation().contains("Helper AllocContinuation")), arch.toString());
            }
        }
    }
}
