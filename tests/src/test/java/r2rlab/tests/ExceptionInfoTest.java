package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The ExceptionInfo section (104) of the real images: every clause decodes, belongs to a method
 * body's start (never a stub or a funclet), and its handler lies inside one funclet of that method,
 * the runtime function the code manager attributes to the method after its main body.
 */
class ExceptionInfoTest {
    @Test
    void net11Images_everyHandlerLiesInAFuncletOfItsMethod() throws Exception {
        Map<String, Integer> clausesPerImage = new TreeMap<>();
        Map<String, Integer> kinds = new TreeMap<>();
        for (Path p : Fixtures.net11()) {
            R2RImage img = R2RImage.read(p);
            Map<Long, ReadyToRunMethod> byStart = new HashMap<>();
            img.methods().forEach(m -> byStart.putIfAbsent(m.entryRva(), m));
            int clauses = 0;
            for (Map.Entry<Long, List<ExceptionClause>> e : img.exceptionInfo().entrySet()) {
                ReadyToRunMethod m = byStart.get(e.getKey());
                String where = String.format("%s method at 0x%X", p.getFileName(), e.getKey());
                assertNotNull(m, where + " is no method start");
                assertTrue(m.kind() != CodeBodyKind.RESUMPTION_STUB, where + " is a resumption stub");
                RuntimeFunction main = img.runtimeFunctions().get(m.entryRuntimeFunction());
                for (ExceptionClause c : e.getValue()) {
                    String clause = where + " " + c;
                    // A try lies in the main body or, nested in a handler, inside one funclet.
                    assertTrue(c.tryStartPc() < c.tryEndPc() && inOneRuntimeFunction(img, m, main.beginRva() + c.tryStartPc(),
                            main.beginRva() + c.tryEndPc()), clause + ": try outside the method's code");
                    assertTrue(inOneFunclet(img, m, main.beginRva() + c.handlerStartPc(), main.beginRva() + c.handlerEndPc()),
                            clause + ": handler is not one funclet of the method");
                    if (c.isFilter()) {
                        long filter = main.beginRva() + c.classTokenOrFilterOffset();
                        assertTrue(m.runtimeFunctions().subList(1, m.runtimeFunctions().size()).stream()
                                .anyMatch(rf -> img.runtimeFunctions().get(rf).beginRva() == filter), clause + ": filter is not a funclet start");
                    }
                    kinds.merge(c.kindName() + ((c.flags() & ExceptionClause.R2R_SYSTEM_EXCEPTION) != 0 ? "/System.Exception" : ""), 1,
                            Integer::sum);
                    clauses++;
                }
            }
            clausesPerImage.put(p.getFileName().toString(), clauses);
        }
        // Clause counts per image (the independent reader agrees clause by clause: OracleComparisonTest).
        assertEquals(Map.ofEntries(
                Map.entry("System.Data.Common.dll", 714),
                Map.entry("System.Diagnostics.Process.dll", 217),
                Map.entry("System.Formats.Tar.dll", 107),
                Map.entry("System.IO.Compression.Brotli.dll", 32),
                Map.entry("System.IO.Compression.ZipFile.dll", 56),
                Map.entry("System.IO.Compression.dll", 233),
                Map.entry("System.IO.Pipes.dll", 52),
                Map.entry("System.Net.Http.dll", 655),
                Map.entry("System.Net.HttpListener.dll", 249),
                Map.entry("System.Net.Mail.dll", 151),
                Map.entry("System.Net.NameResolution.dll", 24),
                Map.entry("System.Net.NetworkInformation.dll", 33),
                Map.entry("System.Net.Ping.dll", 32),
                Map.entry("System.Net.Quic.dll", 124),
                Map.entry("System.Net.Requests.dll", 156),
                Map.entry("System.Net.Security.dll", 258),
                Map.entry("System.Net.Sockets.dll", 206),
                Map.entry("System.Net.WebClient.dll", 63),
                Map.entry("System.Net.WebSockets.Client.dll", 18),
                Map.entry("System.Net.WebSockets.dll", 95),
                Map.entry("System.Private.DataContractSerialization.dll", 307),
                Map.entry("System.Private.Xml.Linq.dll", 122),
                Map.entry("System.Security.Cryptography.dll", 1154),
                Map.entry("System.Threading.Tasks.Parallel.dll", 32)), clausesPerImage);
        assertEquals(Map.of("catch", 1109, "catch/System.Exception", 313, "fault", 3227, "filter", 196, "finally", 245), kinds);
    }

    private static boolean inOneRuntimeFunction(R2RImage img, ReadyToRunMethod m, long start, long end) {
        for (int rf : m.runtimeFunctions()) {
            RuntimeFunction f = img.runtimeFunctions().get(rf);
            if (start >= f.beginRva() && end <= f.endRva()) {
                return true;
            }
        }
        return false;
    }

    private static boolean inOneFunclet(R2RImage img, ReadyToRunMethod m, long start, long end) {
        for (int rf : m.runtimeFunctions().subList(1, m.runtimeFunctions().size())) {
            RuntimeFunction f = img.runtimeFunctions().get(rf);
            if (start == f.beginRva() && end == f.endRva()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void zipFile_openAsyncClauses() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        // OpenAsync [ASYNC] at 0x6F80: a catch of System.Object (TypeRef 1) and a fault, with funclets at 0x71D9 and 0x71ED.
        assertEquals(List.of(new ExceptionClause(0, 0x5E, 0x95, 0x259, 0x26D, 0x01000001),
                new ExceptionClause(ExceptionClause.FAULT, 0x3C, 0xEB, 0x26D, 0x290, 0)), img.exceptionClauses(0x6F80));
        // Its Task-returning method at 0x5970: a catch of System.Exception (the R2R-only flag, no token) and a fault.
        assertEquals(List.of(new ExceptionClause(ExceptionClause.R2R_SYSTEM_EXCEPTION, 0x34, 0x65, 0x92, 0xB6, 0),
                new ExceptionClause(ExceptionClause.FAULT, 0x34, 0x79, 0xB6, 0xCA, 0)), img.exceptionClauses(0x5970));
        assertEquals(31, img.exceptionInfo().size());
    }
}
