package r2rlab.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import r2rlab.emitter.Architecture;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.FrameRegisters;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.StackWalker;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The emulated runtime's unit costs, per architecture, on {@link RuntimeScenario}: one helper trap
 * (GCPoll in a loop), one call through a bound cell (in a loop, loop included), one {@code await yield}
 * suspend → dispatch → resume round trip, a continuation chain ten deep resumed innermost first (one
 * whole async run), one stack walk of ten frames (from a GC-safe point), and one fault capture with
 * its exact-PC re-run (one whole faulting run). Targets: a trap under 2 µs, a round trip under 20 µs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RuntimeBenchmark {
    /** Traps, cell calls and yields per benchmark call. */
    public static final int BATCH = 1000;

    @Param({"X64", "ARM64"})
    public Architecture arch;

    private EmulatedRuntime rt;
    private EmulatedRuntime faulty;
    private int poll;
    private int cells;
    private int yields;
    private int chain;
    private int fault;
    private FrameRegisters gcPoint;

    @Setup
    public void setUp() {
        R2RImage img = RuntimeScenario.image(arch);
        rt = new EmulatedRuntime(img);
        rt.recordTrace(false);
        poll = RuntimeScenario.token(img, "Poll");
        cells = RuntimeScenario.token(img, "Cells");
        yields = RuntimeScenario.token(img, "Yields");
        chain = RuntimeScenario.token(img, "Chain1");
        FrameRegisters[] at = {null};
        rt.onGcPoint(r -> {
            if (at[0] == null) {
                at[0] = FrameRegisters.read(r.engine());
            }
        });
        expect(RuntimeScenario.DEPTH - 1 + 7, rt.call(RuntimeScenario.token(img, "Deep1"), 7));
        gcPoint = at[0];
        if (stackWalk().frames().size() < RuntimeScenario.DEPTH + 1) {
            throw new IllegalStateException("the walk from the GC-safe point has too few frames:\n" + stackWalk());
        }
        expect(BATCH, helperTrap());
        expect(BATCH, cellCall());
        if (roundTrip().value() != BATCH || continuationChain().value() != RuntimeScenario.DEPTH - 1 + 5) {
            throw new IllegalStateException("an async run computed the wrong value");
        }
        faulty = new EmulatedRuntime(img);
        faulty.recordTrace(false);
        ReadyToRunMethod f = RuntimeScenario.method(img, "F" + (RuntimeScenario.DELAY_LOAD_CELLS - 1));
        fault = f.token();
        // a load from address 0 after one instruction: the fault is inside the method's first block
        byte[] patch = arch == Architecture.X64
                ? new byte[] {(byte) 0x90, 0x48, (byte) 0x8b, 0x04, 0x25, 0, 0, 0, 0}
                : new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5, 0x00, 0x00, (byte) 0x80, (byte) 0xd2, 0x00, 0x00, 0x40, (byte) 0xf9};
        RuntimeFunction rf = img.runtimeFunctions().get(f.entryRuntimeFunction());
        if (rf.endRva() - f.entryRva() < patch.length) {
            throw new IllegalStateException(f.name() + " is too short to patch");
        }
        faulty.engine().memWrite(faulty.imageBase() + f.entryRva(), patch);
        FaultReport r = faultCapture();
        long faultPc = faulty.imageBase() + f.entryRva() + (arch == Architecture.X64 ? 1 : 8);
        if (r.kind() != FaultReport.Kind.READ_UNMAPPED || !r.pcExact() || r.pc() != faultPc) {
            throw new IllegalStateException("unexpected fault report:\n" + r);
        }
    }

    private static void expect(long value, RunOutcome.Completed outcome) {
        if (!(outcome instanceof RunOutcome.Returned r) || r.value() != value) {
            throw new IllegalStateException("expected " + value + ", got " + outcome);
        }
    }

    @TearDown
    public void tearDown() {
        rt.close();
        faulty.close();
    }

    /** One GCPoll helper trap (and one loop iteration). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public RunOutcome.Completed helperTrap() {
        return rt.call(poll, BATCH);
    }

    /** One call through a bound cell to a method returning 1 (and one loop iteration). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public RunOutcome.Completed cellCall() {
        return rt.call(cells, BATCH);
    }

    /** One {@code await yield}: Yield suspends, the Task is queued, the dispatcher resumes the method through its stub. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public AsyncRun roundTrip() {
        return rt.runAsync(yields, BATCH);
    }

    /** One async run: ten nested awaits, the innermost yields, the chain of ten is resumed innermost first. */
    @Benchmark
    public AsyncRun continuationChain() {
        return rt.runAsync(chain, 5);
    }

    /** One stack walk from the GC-safe point under ten nested calls. */
    @Benchmark
    public StackWalker.Walk stackWalk() {
        return StackWalker.from(rt, gcPoint);
    }

    /** One faulting run: the fault, the exact-PC re-run, the report (walk, symbols, disassembly). */
    @Benchmark
    public FaultReport faultCapture() {
        return ((RunOutcome.Faulted) faulty.run(fault)).report();
    }
}
