package r2rlab.tests;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodSignature;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

class RealVariantExploreTest {
    @Test
    void explore() throws Exception {
        for (String name : new String[] {"System.IO.Compression.ZipFile.dll", "System.Net.Ping.dll", "System.Formats.Tar.dll"}) {
            R2RImage img = R2RImage.read(Fixtures.net11(name));
            Map<String, Integer> cats = new TreeMap<>();
            try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
                rt.recordTrace(false);
                rt.setTimeoutMicros(2_000_000);
                for (ReadyToRunMethod m : img.methods()) {
                    if (m.kind() != CodeBodyKind.ASYNC_VARIANT || m.source() != ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS) {
                        continue;
                    }
                    MethodSignature sig = img.metadata().methodDefSignature(MetadataTable.rid(m.token()));
                    long[] args = new long[sig.parameters().size() + (sig.hasThis() ? 1 : 0)];
                    String c;
                    try {
                        RunOutcome o = rt.runAsyncVariant(m, args);
                        if (o instanceof RunOutcome.Faulted f) {
                            c = f.report().kind() + " " + f.report().message() + " @ " + f.report().location();
                        } else {
                            c = o.toString();
                        }
                    } catch (RunRejectedException e) {
                        c = e.getMessage().contains("which the emulated CPU does not execute") ? "rejected isa" : "rejected " + e.getMessage();
                    } catch (RuntimeException e) {
                        c = "INTERNAL " + e;
                    }
                    System.out.println("  " + m.label() + " -> " + (c.length() > 250 ? c.substring(0, 250) : c));
                    cats.merge(c.replaceAll(" @ .*", "").replaceAll("0x[0-9A-F]+", "N"), 1, Integer::sum);
                }
            }
            System.out.println("== " + name);
            cats.forEach((k, v) -> System.out.println("   " + v + "  " + (k.length() > 200 ? k.substring(0, 200) : k)));
        }
    }
}
