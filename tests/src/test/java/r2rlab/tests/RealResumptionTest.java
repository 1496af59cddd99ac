package r2rlab.tests;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.ResumptionRun;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ResumptionStub;

class RealResumptionTest {
    @Test
    void explore() throws Exception {
        long t0 = System.nanoTime();
        for (Path p : Fixtures.net11()) {
            R2RImage img = R2RImage.read(p);
            Map<String, Integer> cats = new TreeMap<>();
            int n = 0;
            try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
                rt.recordTrace(false);
                rt.setTimeoutMicros(2_000_000);
                for (ResumptionStub s : img.resumptionStubs()) {
                    n++;
                    String c;
                    try {
                        ResumptionRun r = rt.runResumptionStub(s, 0);
                        if (r.reached()) {
                            c = "reached";
                        } else if (r.outcome() instanceof RunOutcome.Faulted f) {
                            c = "fault " + f.report().kind() + " " + f.report().message() + " @ " + s.owner().label();
                        } else {
                            c = "other " + r.outcome() + " @ " + s.owner().label();
                        }
                    } catch (RunRejectedException e) {
                        c = e.getMessage().contains("which the emulated CPU does not execute") ? "rejected isa" : "rejected " + e.getMessage();
                    } catch (RuntimeException e) {
                        c = "INTERNAL " + e;
                    }
                    cats.merge(c.length() > 200 ? c.substring(0, 200) : c, 1, Integer::sum);
                }
            } catch (RuntimeException e) {
                cats.merge("IMAGE " + e, 1, Integer::sum);
            }
            System.out.println("== " + p.getFileName() + " stubs " + n);
            cats.forEach((k, v) -> System.out.println("   " + v + "  " + k));
        }
        System.out.println("time " + (System.nanoTime() - t0) / 1e9);
    }
}
