package r2rlab.emu.unicorn;

import java.util.concurrent.locks.LockSupport;

/**
 * One run's time limit over every emulation slice, helper and dispatcher step of the run: a deadline,
 * and one watchdog thread that, once the deadline passes, stops the engine ({@link CpuEngine#interrupt})
 * until the run is closed. A stop that lands between two slices is lost, so the watchdog repeats it
 * every millisecond; the run's own code calls {@link #check} between slices and after each one.
 *
 * <p>Why not {@code uc_emu_start}'s own timeout: Unicorn starts a timer thread for every start that
 * has one, about 120 µs on a 2-core machine, which dwarfs a suspend–resume round trip; this costs one
 * thread per run and a clock read per slice.
 */
public final class RunDeadline implements AutoCloseable {
    /** How often the watchdog repeats its stop after the deadline. */
    static final long REPEAT_NANOS = 1_000_000L;

    private final CpuEngine engine;
    private final long limitMicros;
    private final long deadlineNanos;
    private final Thread watchdog;
    private volatile boolean closed;

    private RunDeadline(CpuEngine engine, long limitMicros) {
        this.engine = engine;
        this.limitMicros = limitMicros;
        this.deadlineNanos = System.nanoTime() + limitMicros * 1000L;
        this.watchdog = new Thread(this::watch, "r2rlab run watchdog");
        watchdog.setDaemon(true);
    }

    /** Starts the clock of a run of at most {@code limitMicros} (positive) in {@code engine}. */
    public static RunDeadline start(CpuEngine engine, long limitMicros) {
        if (limitMicros <= 0) {
            throw new IllegalArgumentException("time limit must be positive: " + limitMicros + " us");
        }
        RunDeadline d = new RunDeadline(engine, limitMicros);
        d.watchdog.start();
        return d;
    }

    private void watch() {
        long left;
        while (!closed && (left = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
        while (!closed) {
            engine.interrupt();
            LockSupport.parkNanos(this, REPEAT_NANOS);
        }
    }

    public long limitMicros() {
        return limitMicros;
    }

    public boolean expired() {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    /** @throws EmuTimeoutException the deadline has passed ({@code pc}: where the guest stands) */
    public void check(long pc) {
        if (expired()) {
            throw timeout(pc);
        }
    }

    /** The exception that ends a run past its deadline, stopped at {@code pc}. */
    public EmuTimeoutException timeout(long pc) {
        return new EmuTimeoutException(String.format("the run exceeded its time limit of %s (pc=0x%X)", describe(limitMicros), pc),
                limitMicros, pc);
    }

    /** A time limit as a person writes it: "10 s", "250 ms", "40 us". */
    public static String describe(long micros) {
        if (micros % 1_000_000 == 0) {
            return micros / 1_000_000 + " s";
        }
        if (micros % 1000 == 0) {
            return micros / 1000 + " ms";
        }
        return micros + " us";
    }

    /** Ends the run's clock: the watchdog stops (and is joined) before the engine can be closed. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(watchdog);
        boolean interrupted = false;
        while (watchdog.isAlive()) {
            try {
                watchdog.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
