package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.Frame;
import r2rlab.emu.runtime.StackWalker;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.tests.Fixtures;

/** Walks name a funclet frame by the EH clause whose handler it is, as the runtime's stack traces do. */
class FuncletLabelTest {

    @Test
    void zipFileFuncletsAreNamedByTheirClauses() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        List<String> labels = new ArrayList<>();
        try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
            for (ReadyToRunMethod m : img.methods()) {
                for (ExceptionClause c : img.exceptionClauses(m.entryRva())) {
                    Frame f = StackWalker.symbolize(rt, rt.imageBase() + m.entryRva() + c.handlerStartPc() + 1);
                    labels.add(String.format("0x%X %s", m.entryRva() + c.handlerStartPc(), f.symbol()));
                }
            }
        }
        assertEquals(56, labels.size(), String.join("\n", labels));
        // OpenAsync's Task-returning method as ZipFile's C# compiles: a catch funclet handing the exception to
        // TaskFromException and a fault funclet calling ExecutionAndSyncBlockStore.Pop, right after its main body
        assertTrue(labels.contains("0x5A02 System.IO.Compression.ZipFile.OpenAsync [catch]+0x1"), String.join("\n", labels));
        assertTrue(labels.contains("0x5A26 System.IO.Compression.ZipFile.OpenAsync [fault]+0x1"), String.join("\n", labels));
        assertTrue(labels.contains("0x4920 System.SR.GetResourceString [catch]+0x1"), String.join("\n", labels));
        assertTrue(labels.contains("0x4B8E System.IO.ArchivingUtils.IsDirEmpty [fault]+0x1"), String.join("\n", labels));
        assertEquals(0, labels.stream().filter(l -> l.contains("[funclet")).count(), "every ZipFile funclet is some clause's handler");
    }
}
