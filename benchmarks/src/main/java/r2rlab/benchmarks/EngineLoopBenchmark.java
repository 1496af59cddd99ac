package r2rlab.benchmarks;

import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_SP;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X30;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_ALL;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_READ;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_WRITE;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import r2rlab.emitter.Architecture;
import r2rlab.emu.runtime.Abi;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The cost of idle hooks: the same guest loop ({@code Bench.R.Loop}, no helper inside) run directly
 * through our Unicorn binding (its code mapped alone at the image's address, no hook at all) and
 * under {@link EmulatedRuntime} with every hook installed (trap page, invalid-memory hook) and the
 * run's watchdog. A score is one call of {@code iterations} loop iterations (the report divides);
 * the target is raw / runtime ≥ 0.9.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineLoopBenchmark {
    /** Where the raw run returns to: a mapped page the run stops at. */
    static final long RETURN_PAGE = 0x4000_0000L;

    @Param({"X64", "ARM64"})
    public Architecture arch;

    /** Loop iterations per call: enough that entering and leaving emulation is noise. */
    @Param({"200000"})
    public int iterations;

    private Unicorn raw;
    private long rawEntry;
    private Abi abi;
    private EmulatedRuntime rt;
    private int token;

    @Setup
    public void setUp() {
        R2RImage img = RuntimeScenario.image(arch);
        abi = Abi.of(img.pe().machine(), img.pe().os());
        ReadyToRunMethod loop = RuntimeScenario.method(img, "Loop");
        RuntimeFunction rf = img.runtimeFunctions().get(loop.entryRuntimeFunction());
        long base = img.pe().imageBase();
        long pageStart = rf.beginRva() & ~0xFFFL;
        long pageEnd = (rf.endRva() + 0xFFF) & ~0xFFFL;
        raw = Unicorn.open(img.pe().machine());
        raw.memMap(base + pageStart, pageEnd - pageStart, UC_PROT_ALL);
        int length = (int) (rf.endRva() - rf.beginRva());
        raw.memWrite(base + rf.beginRva(), img.pe().file().bytes("code", img.pe().rvaToOffset("code", rf.beginRva(), length), length));
        raw.memMap(EmulatedRuntime.STACK_BASE, EmulatedRuntime.STACK_SIZE, UC_PROT_READ | UC_PROT_WRITE);
        raw.memMap(RETURN_PAGE, 0x1000, UC_PROT_ALL);
        rawEntry = base + loop.entryRva();
        rt = new EmulatedRuntime(img);
        token = loop.token();
        long expected = (long) iterations * (iterations - 1) / 2;
        if (rawLoop() != expected || runtimeLoop() != expected) {
            throw new IllegalStateException("the loop did not compute " + expected);
        }
    }

    @TearDown
    public void tearDown() {
        raw.close();
        rt.close();
    }

    @Benchmark
    public long rawUnicorn() {
        return rawLoop();
    }

    @Benchmark
    public long emulatedRuntime() {
        return runtimeLoop();
    }

    private long rawLoop() {
        long top = EmulatedRuntime.STACK_BASE + EmulatedRuntime.STACK_SIZE - 0x100;
        raw.regWrite(abi.argumentRegister(0), iterations);
        if (raw.isArm64()) {
            raw.regWrite(UC_ARM64_REG_SP, top);
            raw.regWrite(UC_ARM64_REG_X30, RETURN_PAGE);
        } else {
            raw.writeLong(top - 8, RETURN_PAGE);
            raw.regWrite(UC_X86_REG_RSP, top - 8);
        }
        raw.emuStart(rawEntry, RETURN_PAGE);
        return raw.regRead(abi.resultRegister);
    }

    private long runtimeLoop() {
        return ((RunOutcome.Returned) rt.call(token, iterations)).value();
    }
}
