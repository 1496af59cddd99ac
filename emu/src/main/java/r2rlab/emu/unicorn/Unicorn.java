package r2rlab.emu.unicorn;

import static r2rlab.emu.unicorn.UnicornConst.*;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.LinkedHashMap;
import java.util.Map;
import r2rlab.format.pe.Machine;

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
 * <p><b>Callback lifetime.</b> JNA callback objects are kept in {@link #hooks} until
 * {@link #hookDel} or {@link #close}, so they are never garbage-collected while native code can call
 * them.
 */
public final class Unicorn implements CpuEngine {

    static final UnicornLibrary LIB = UnicornLibrary.INSTANCE;

    private final int arch;
    private final int mode;
    private Pointer handle;
    private final Map<Long, Callback> hooks = new LinkedHashMap<>();
    private final LongByReference scratch = new LongByReference();

    // per-run state
    private Throwable pending;
    private UcException.MemAccess lastInvalidAccess;
    private boolean stopRequested;
    private boolean running;

    public Unicorn(int arch, int mode) {
        PointerByReference ref = new PointerByReference();
        check("uc_open", LIB.uc_open(arch, mode, ref));
        this.handle = ref.getValue();
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
        return LIB.uc_version(null, null);
    }

    /** {@code uc_strerror}. */
    public static String strerror(int error) {
        return LIB.uc_strerror(error);
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

    // ------------------------------------------------------------------ memory

    @Override
    public void memMap(long address, long size, int perms) {
        check("uc_mem_map", LIB.uc_mem_map(h(), address, size, perms));
    }

    @Override
    public void memUnmap(long address, long size) {
        check("uc_mem_unmap", LIB.uc_mem_unmap(h(), address, size));
    }

    public void memProtect(long address, long size, int perms) {
        check("uc_mem_protect", LIB.uc_mem_protect(h(), address, size, perms));
    }

    @Override
    public byte[] memRead(long address, int size) {
        byte[] bytes = new byte[size];
        checkAccess("uc_mem_read", LIB.uc_mem_read(h(), address, bytes, size), UC_MEM_READ_UNMAPPED, address, size);
        return bytes;
    }

    @Override
    public void memWrite(long address, byte[] bytes) {
        checkAccess("uc_mem_write", LIB.uc_mem_write(h(), address, bytes, bytes.length), UC_MEM_WRITE_UNMAPPED, address, bytes.length);
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
        scratch.setValue(0);
        check("uc_reg_read", LIB.uc_reg_read(h(), regId, scratch));
        return scratch.getValue();
    }

    @Override
    public void regWrite(int regId, long value) {
        scratch.setValue(value);
        check("uc_reg_write", LIB.uc_reg_write(h(), regId, scratch));
    }

    // ------------------------------------------------------------------ emulation

    /**
     * {@code uc_emu_start}; Unicorn itself reports success when the timeout elapses, so the timeout
     * is found with {@code uc_query} and thrown as {@link EmuTimeoutException}.
     */
    @Override
    public void emuStart(long begin, long until, long timeoutMicros, long count) {
        Pointer uc = h();
        if (running) {
            throw new IllegalStateException("emuStart called re-entrantly from a hook");
        }
        pending = null;
        lastInvalidAccess = null;
        stopRequested = false;
        running = true;
        int err;
        try {
            err = LIB.uc_emu_start(uc, begin, until, timeoutMicros, count);
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
        check("uc_emu_stop", LIB.uc_emu_stop(h()));
    }

    /** Whether the last run ended because its timeout elapsed ({@code uc_query(UC_QUERY_TIMEOUT)}). */
    public boolean timedOut() {
        LongByReference r = new LongByReference();
        int err = LIB.uc_query(h(), UC_QUERY_TIMEOUT, r);
        return err == UC_ERR_OK && r.getValue() != 0;
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
        check("uc_hook_del", LIB.uc_hook_del(h(), hookHandle));
        hooks.remove(hookHandle);
    }

    /** Number of installed hooks (whose callbacks are strongly referenced). */
    public int hookCount() {
        return hooks.size();
    }

    private long addHook(int type, Callback cb, long begin, long end) {
        LongByReference hh = new LongByReference();
        int err;
        if (cb instanceof UnicornLibrary.CodeCallback) {
            err = LIB.uc_hook_add(h(), hh, type, (UnicornLibrary.CodeCallback) cb, null, begin, end);
        } else if (cb instanceof UnicornLibrary.EventMemCallback) {
            err = LIB.uc_hook_add(h(), hh, type, (UnicornLibrary.EventMemCallback) cb, null, begin, end);
        } else {
            err = LIB.uc_hook_add(h(), hh, type, (UnicornLibrary.InterruptCallback) cb, null, begin, end);
        }
        check("uc_hook_add", err);
        hooks.put(hh.getValue(), cb);
        return hh.getValue();
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
            LIB.uc_emu_stop(handle);
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
        private Pointer ptr;

        private Context() {
            PointerByReference ref = new PointerByReference();
            check("uc_context_alloc", LIB.uc_context_alloc(h(), ref));
            ptr = ref.getValue();
        }

        Unicorn owner() {
            return Unicorn.this;
        }

        @Override
        public void close() {
            if (ptr != null) {
                LIB.uc_context_free(ptr);
                ptr = null;
            }
        }
    }

    /** Saves the CPU registers into a new {@link Context}. */
    @Override
    public Context saveContext() {
        Context c = new Context();
        check("uc_context_save", LIB.uc_context_save(h(), c.ptr));
        return c;
    }

    /** Restores CPU registers saved by {@link #saveContext}. */
    @Override
    public void restoreContext(CpuEngine.Context context) {
        if (!(context instanceof Context c) || c.owner() != this) {
            throw new IllegalArgumentException("context saved by another engine");
        }
        if (c.ptr == null) {
            throw new IllegalStateException("context closed");
        }
        check("uc_context_restore", LIB.uc_context_restore(h(), c.ptr));
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void close() {
        if (handle != null) {
            if (running) {
                throw new IllegalStateException("close called from a hook");
            }
            Pointer p = handle;
            handle = null;
            int err = LIB.uc_close(p);
            hooks.clear();
            check("uc_close", err);
        }
    }

    @Override
    public boolean isClosed() {
        return handle == null;
    }

    private Pointer h() {
        if (handle == null) {
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
