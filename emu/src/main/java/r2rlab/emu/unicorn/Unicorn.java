package r2rlab.emu.unicorn;

import static r2rlab.emu.unicorn.UnicornConst.*;

import com.sun.jna.Callback;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.ReadyToRunInstructionSet;

/**
 * One Unicorn engine (x86-64 or ARM64) over {@link UnicornLibrary}: the JNA implementation of
 * {@link CpuEngine}. Not thread-safe; hooks run on the thread that called {@link #emuStart}.
 *
 * <p><b>Exceptions in hooks.</b> JNA swallows exceptions thrown by callbacks. Every hook installed
 * here therefore catches any {@link Throwable}, records the first one, calls {@code uc_emu_stop}, and
 * {@link #emuStart} rethrows it after the native call returns (RuntimeExceptions and Errors as they
 * are, checked exceptions wrapped in a RuntimeException). Recorded exceptions take precedence over
 * the uc_err of the run.
 *
 * <p><b>Threads.</b> Every method but {@link #interrupt} belongs to the thread that drives the engine;
 * {@link #interrupt} may be called from any thread (a run's watchdog) and is ordered with
 * {@link #close} so that it never reaches a closed engine.
 *
 * <p><b>Callback lifetime.</b> JNA callback objects are kept in {@link #hooks} until
 * {@link #hookDel} or {@link #close}, so they are never garbage-collected while native code can call
 * them.
 */
public final class Unicorn implements CpuEngine {

    /**
     * What libunicorn2 2.0.1 (QEMU 5.0's TCG, default CPU model qemu64) executes on x64, instruction
     * by instruction in UnicornInstructionSetTest: the legacy SSE encodings through SSE4.2 (CRC32
     * included), AES, BMI1 and LZCNT, with 16-byte Vector&lt;T&gt;. Not executed: POPCNT, so not the
     * x86-64-v2 baseline X86Base names since .NET 10; MOVBE; PCLMULQDQ; BMI2 (PDEP takes its operands
     * swapped); AVX, since VEX.256 (ymm) faults and VEX.128 runs as its legacy SSE twin, ignoring the
     * second source, so {@code vpaddd xmm0, xmm1, xmm2} adds xmm2 to xmm0; AVX2, FMA and F16C, whose
     * VEX.128 forms fault too; AVX-512 and every EVEX form.
     */
    private static final Set<ReadyToRunInstructionSet> X64_INSTRUCTION_SETS = Collections.unmodifiableSet(EnumSet.of(
            ReadyToRunInstructionSet.Sse, ReadyToRunInstructionSet.Sse2, ReadyToRunInstructionSet.Sse3, ReadyToRunInstructionSet.Ssse3,
            ReadyToRunInstructionSet.Sse41, ReadyToRunInstructionSet.Sse42, ReadyToRunInstructionSet.Aes, ReadyToRunInstructionSet.Bmi1,
            ReadyToRunInstructionSet.Lzcnt, ReadyToRunInstructionSet.VectorT128));

    /**
     * What libunicorn2 2.0.1 executes on ARM64 (default CPU model Cortex-A72, ARMv8.0-A with the
     * crypto and CRC extensions): base instructions, AdvSIMD, AES, CRC32, SHA1 and SHA256, with 16-byte
     * Vector&lt;T&gt;. Not executed (they raise an exception): LSE atomics, dot product, RDM, RCPC and SVE.
     */
    private static final Set<ReadyToRunInstructionSet> ARM64_INSTRUCTION_SETS = Collections.unmodifiableSet(EnumSet.of(
            ReadyToRunInstructionSet.ArmBase, ReadyToRunInstructionSet.AdvSimd, ReadyToRunInstructionSet.Aes,
            ReadyToRunInstructionSet.Crc32, ReadyToRunInstructionSet.Sha1, ReadyToRunInstructionSet.Sha256,
            ReadyToRunInstructionSet.VectorT128));

    private final int arch;
    private final int mode;
    /** The uc_engine*, 0 once closed; read by {@link #interrupt} under {@link #lifecycle}. */
    private volatile long handle;
    private final Object lifecycle = new Object();
    private final Map<Long, Callback> hooks = new LinkedHashMap<>();
    /** A native 8-byte buffer for register values and 64-bit memory accesses, and its address. */
    private final Memory scratch = new Memory(8);
    private final long scratchAddress = Pointer.nativeValue(scratch);

    // per-run state
    private Throwable pending;
    private UcException.MemAccess lastInvalidAccess;
    private boolean stopRequested;
    private boolean running;

    public Unicorn(int arch, int mode) {
        long[] ref = new long[1];
        check("uc_open", UnicornLibrary.uc_open(arch, mode, ref));
        this.handle = ref[0];
        this.arch = arch;
        this.mode = mode;
    }

    /** A new x86-64 engine. */
    public static Unicorn x86_64() {
        return new Unicorn(UC_ARCH_X86, UC_MODE_64);
    }

    /** A new little-endian ARM64 engine. */
    public static Unicorn arm64() {
        return new Unicorn(UC_ARCH_ARM64, UC_MODE_ARM);
    }

    /** A new engine for {@code machine}'s instruction set: the {@link CpuEngine.Factory} of this binding. */
    public static Unicorn open(Machine machine) {
        if (machine == Machine.AMD64) {
            return x86_64();
        }
        if (machine == Machine.ARM64) {
            return arm64();
        }
        throw new IllegalArgumentException("Unicorn is opened for x64 and ARM64 only, not " + machine.archName);
    }

    /** {@code uc_version}: e.g. 0x020001ff for 2.0.1 (major << 24 | minor << 16 | patch << 8 | extra). */
    public static int version() {
        return UnicornLibrary.uc_version(null, null);
    }

    /** {@code uc_strerror}. */
    public static String strerror(int error) {
        return UnicornLibrary.uc_strerror(error);
    }

    public int arch() {
        return arch;
    }

    public int mode() {
        return mode;
    }

    @Override
    public boolean isX86() {
        return arch == UC_ARCH_X86;
    }

    @Override
    public boolean isArm64() {
        return arch == UC_ARCH_ARM64;
    }

    @Override
    public Set<ReadyToRunInstructionSet> instructionSets() {
        return isX86() ? X64_INSTRUCTION_SETS : isArm64() ? ARM64_INSTRUCTION_SETS : Set.of();
    }

    // ------------------------------------------------------------------ memory

    @Override
    public void memMap(long address, long size, int perms) {
        check("uc_mem_map", UnicornLibrary.uc_mem_map(h(), address, size, perms));
    }

    @Override
    public void memUnmap(long address, long size) {
        check("uc_mem_unmap", UnicornLibrary.uc_mem_unmap(h(), address, size));
    }

    public void memProtect(long address, long size, int perms) {
        check("uc_mem_protect", UnicornLibrary.uc_mem_protect(h(), address, size, perms));
    }

    @Override
    public byte[] memRead(long address, int size) {
        byte[] bytes = new byte[size];
        checkAccess("uc_mem_read", UnicornLibrary.uc_mem_read(h(), address, bytes, size), UC_MEM_READ_UNMAPPED, address, size);
        return bytes;
    }

    @Override
    public void memWrite(long address, byte[] bytes) {
        checkAccess("uc_mem_write", UnicornLibrary.uc_mem_write(h(), address, bytes, bytes.length), UC_MEM_WRITE_UNMAPPED, address,
                bytes.length);
    }

    /** Reads a little-endian 32-bit value through the native buffer (no array). */
    @Override
    public int readInt(long address) {
        checkAccess("uc_mem_read", UnicornLibrary.uc_mem_read(h(), address, scratchAddress, 4), UC_MEM_READ_UNMAPPED, address, 4);
        return scratch.getInt(0);
    }

    /** Reads a little-endian 64-bit value through the native buffer (no array). */
    @Override
    public long readLong(long address) {
        checkAccess("uc_mem_read", UnicornLibrary.uc_mem_read(h(), address, scratchAddress, 8), UC_MEM_READ_UNMAPPED, address, 8);
        return scratch.getLong(0);
    }

    /** Writes a little-endian 64-bit value through the native buffer (no array). */
    @Override
    public void writeLong(long address, long value) {
        scratch.setLong(0, value);
        checkAccess("uc_mem_write", UnicornLibrary.uc_mem_write(h(), address, scratchAddress, 8), UC_MEM_WRITE_UNMAPPED, address, 8);
    }

    /** A failed read or write of guest memory from Java (a runtime helper's): the error names the access. */
    private static void checkAccess(String function, int err, int type, long address, int size) {
        if (err != UC_ERR_OK) {
            throw new UcException(function, err, -1, new UcException.MemAccess(type, address, size, 0));
        }
    }

    // ------------------------------------------------------------------ registers

    @Override
    public long regRead(int regId) {
        scratch.setLong(0, 0);
        check("uc_reg_read", UnicornLibrary.uc_reg_read(h(), regId, scratchAddress));
        return scratch.getLong(0);
    }

    @Override
    public void regWrite(int regId, long value) {
        scratch.setLong(0, value);
        check("uc_reg_write", UnicornLibrary.uc_reg_write(h(), regId, scratchAddress));
    }

    // ------------------------------------------------------------------ emulation

    /**
     * {@code uc_emu_start}; Unicorn itself reports success when the timeout elapses, so the timeout
     * is found with {@code uc_query} and thrown as {@link EmuTimeoutException}.
     */
    @Override
    public void emuStart(long begin, long until, long timeoutMicros, long count) {
        long uc = h();
        if (running) {
            throw new IllegalStateException("emuStart called re-entrantly from a hook");
        }
        pending = null;
        lastInvalidAccess = null;
        stopRequested = false;
        running = true;
        int err;
        try {
            err = UnicornLibrary.uc_emu_start(uc, begin, until, timeoutMicros, count);
        } finally {
            running = false;
        }
        Throwable t = pending;
        pending = null;
        if (t != null) {
            throw asUnchecked(t);
        }
        if (err != UC_ERR_OK) {
            throw new UcException("uc_emu_start", err, safePc(), lastInvalidAccess);
        }
        if (timeoutMicros > 0 && !stopRequested && timedOut()) {
            throw new EmuTimeoutException(timeoutMicros, safePc());
        }
    }

    /** {@code uc_emu_stop}; typically called from a hook. */
    @Override
    public void emuStop() {
        stopRequested = true;
        check("uc_emu_stop", UnicornLibrary.uc_emu_stop(h()));
    }

    /**
     * {@code uc_emu_stop} from another thread: Unicorn leaves the current translation block and the run
     * returns. A no-op when no run is in progress (a stop that lands between two runs is lost, so a
     * watchdog repeats it); never reaches a closed engine.
     */
    @Override
    public void interrupt() {
        synchronized (lifecycle) {
            long uc = handle;
            if (uc != 0) {
                UnicornLibrary.uc_emu_stop(uc);
            }
        }
    }

    /** Whether the last run ended because its timeout elapsed ({@code uc_query(UC_QUERY_TIMEOUT)}). */
    public boolean timedOut() {
        long[] r = new long[1];
        int err = UnicornLibrary.uc_query(h(), UC_QUERY_TIMEOUT, r);
        return err == UC_ERR_OK && r[0] != 0;
    }

    /** The last invalid memory access seen by a {@link #hookMemInvalid} hook during the current/last run. */
    public UcException.MemAccess lastInvalidAccess() {
        return lastInvalidAccess;
    }

    // ------------------------------------------------------------------ hooks

    /** {@code UC_HOOK_CODE} over [begin, end] (inclusive). Keep the range small: see native-deps.md §9. */
    @Override
    public long hookCode(long begin, long end, CodeHook hook) {
        UnicornLibrary.CodeCallback cb = (uc, address, size, user) -> {
            try {
                hook.onCode(this, address, size);
            } catch (Throwable t) {
                fail(t);
            }
        };
        return addHook(UC_HOOK_CODE, cb, begin, end);
    }

    /** {@code UC_HOOK_BLOCK} over [begin, end] (inclusive). */
    public long hookBlock(long begin, long end, CodeHook hook) {
        UnicornLibrary.CodeCallback cb = (uc, address, size, user) -> {
            try {
                hook.onCode(this, address, size);
            } catch (Throwable t) {
                fail(t);
            }
        };
        return addHook(UC_HOOK_BLOCK, cb, begin, end);
    }

    /** Invalid-memory hook ({@code UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT}) over all addresses. */
    @Override
    public long hookMemInvalid(MemHook hook) {
        return hookMem(UC_HOOK_MEM_INVALID, 1, 0, hook);
    }

    /** A memory event hook of the given {@code UC_HOOK_MEM_*} types (invalid-access kinds) over [begin, end]. */
    public long hookMem(int types, long begin, long end, MemHook hook) {
        UnicornLibrary.EventMemCallback cb = (uc, type, address, size, value, user) -> {
            lastInvalidAccess = new UcException.MemAccess(type, address, size, value);
            try {
                return hook.onInvalid(this, type, address, size, value);
            } catch (Throwable t) {
                fail(t);
                return false;
            }
        };
        return addHook(types, cb, begin, end);
    }

    /** {@code UC_HOOK_INTR}: interrupts and CPU exceptions (x86 int n, ARM64 svc / brk). */
    public long hookInterrupt(InterruptHook hook) {
        UnicornLibrary.InterruptCallback cb = (uc, intno, user) -> {
            try {
                hook.onInterrupt(this, intno);
            } catch (Throwable t) {
                fail(t);
            }
        };
        return addHook(UC_HOOK_INTR, cb, 1, 0);
    }

    /** {@code uc_hook_del}; releases the callback. */
    @Override
    public void hookDel(long hookHandle) {
        check("uc_hook_del", UnicornLibrary.uc_hook_del(h(), hookHandle));
        hooks.remove(hookHandle);
    }

    /** Number of installed hooks (whose callbacks are strongly referenced). */
    public int hookCount() {
        return hooks.size();
    }

    private long addHook(int type, Callback cb, long begin, long end) {
        long[] hh = new long[1];
        int err;
        if (cb instanceof UnicornLibrary.CodeCallback) {
            err = UnicornLibrary.uc_hook_add(h(), hh, type, (UnicornLibrary.CodeCallback) cb, 0, begin, end);
        } else if (cb instanceof UnicornLibrary.EventMemCallback) {
            err = UnicornLibrary.uc_hook_add(h(), hh, type, (UnicornLibrary.EventMemCallback) cb, 0, begin, end);
        } else {
            err = UnicornLibrary.uc_hook_add(h(), hh, type, (UnicornLibrary.InterruptCallback) cb, 0, begin, end);
        }
        check("uc_hook_add", err);
        hooks.put(hh[0], cb);
        return hh[0];
    }

    /** Records a hook failure (first one wins) and stops emulation. Never throws. */
    void fail(Throwable t) {
        if (pending == null) {
            pending = t;
        } else if (pending != t) {
            pending.addSuppressed(t);
        }
        stopRequested = true;
        try {
            UnicornLibrary.uc_emu_stop(h());
        } catch (Throwable ignored) {
            // nothing more we can do inside a native callback
        }
    }

    private static RuntimeException asUnchecked(Throwable t) {
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new RuntimeException("exception in Unicorn hook: " + t, t);
    }

    // ------------------------------------------------------------------ context

    /** A saved CPU context ({@code uc_context_*}); registers only, not memory. Close to free it. */
    public final class Context implements CpuEngine.Context {
        private long ptr;

        private Context() {
            long[] ref = new long[1];
            check("uc_context_alloc", UnicornLibrary.uc_context_alloc(h(), ref));
            ptr = ref[0];
        }

        Unicorn owner() {
            return Unicorn.this;
        }

        @Override
        public void close() {
            if (ptr != 0) {
                UnicornLibrary.uc_context_free(ptr);
                ptr = 0;
            }
        }
    }

    /** Saves the CPU registers into a new {@link Context}. */
    @Override
    public Context saveContext() {
        Context c = new Context();
        check("uc_context_save", UnicornLibrary.uc_context_save(h(), c.ptr));
        return c;
    }

    /** Restores CPU registers saved by {@link #saveContext}. */
    @Override
    public void restoreContext(CpuEngine.Context context) {
        if (!(context instanceof Context c) || c.owner() != this) {
            throw new IllegalArgumentException("context saved by another engine");
        }
        if (c.ptr == 0) {
            throw new IllegalStateException("context closed");
        }
        check("uc_context_restore", UnicornLibrary.uc_context_restore(h(), c.ptr));
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void close() {
        if (handle != 0) {
            if (running) {
                throw new IllegalStateException("close called from a hook");
            }
            long p;
            synchronized (lifecycle) {
                p = handle;
                handle = 0;
            }
            int err = UnicornLibrary.uc_close(p);
            hooks.clear();
            check("uc_close", err);
        }
    }

    @Override
    public boolean isClosed() {
        return handle == 0;
    }

    private long h() {
        long handle = this.handle;
        if (handle == 0) {
            throw new IllegalStateException("Unicorn engine is closed");
        }
        return handle;
    }

    private long safePc() {
        try {
            return pc();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static void check(String function, int err) {
        if (err != UC_ERR_OK) {
            throw new UcException(function, err);
        }
    }
}
