package r2rlab.emu.unicorn;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Minimal JNA binding to the system's Unicorn 2 ({@code libunicorn.so.2}, library name {@code unicorn}).
 * Names and parameter order follow unicorn.h. It is <em>direct-mapped</em> ({@link Native#register}),
 * several times cheaper per call than an interface proxy, which matters because the emulated runtime
 * makes a few register and memory calls per helper trap. Engine and context handles, and the
 * callbacks' pointer arguments, are raw pointers held as {@code long}: callbacks whose parameters
 * are all primitive take JNA's direct callback path, about twice as fast as one that converts a
 * {@code Pointer}. Register values go through a native buffer ({@code long} address) or a one-element
 * {@code long[]}. {@code size_t} and {@code uint64_t} are Java {@code long} (LP64 platforms only).
 *
 * <p>{@code uc_hook_add} is variadic in C; it is declared here non-variadic with {@code begin, end}
 * as the last named parameters, which is correct for CODE, BLOCK, MEM and INTR hooks (INTR ignores
 * the range) but not for {@code UC_HOOK_INSN}, which would need an extra argument.
 */
public final class UnicornLibrary {

    static {
        Native.register("unicorn");
    }

    private UnicornLibrary() {
    }

    /** {@code void (*uc_cb_hookcode_t)(uc_engine*, uint64_t address, uint32_t size, void* user_data)}. */
    public interface CodeCallback extends Callback {
        void invoke(long uc, long address, int size, long userData);
    }

    /**
     * {@code bool (*uc_cb_eventmem_t)(uc_engine*, uc_mem_type, uint64_t address, int size, int64_t value,
     * void* user_data)}: return true to continue (only after mapping the memory), false to stop.
     */
    public interface EventMemCallback extends Callback {
        boolean invoke(long uc, int type, long address, int size, long value, long userData);
    }

    /** {@code void (*uc_cb_hookintr_t)(uc_engine*, uint32_t intno, void* user_data)}. */
    public interface InterruptCallback extends Callback {
        void invoke(long uc, int intno, long userData);
    }

    static native int uc_version(Pointer major, Pointer minor);

    static native boolean uc_arch_supported(int arch);

    static native int uc_open(int arch, int mode, long[] uc);

    static native int uc_close(long uc);

    static native int uc_query(long uc, int type, long[] result);

    static native int uc_errno(long uc);

    static native String uc_strerror(int code);

    static native int uc_reg_write(long uc, int regid, long value);

    static native int uc_reg_read(long uc, int regid, long value);

    static native int uc_mem_write(long uc, long address, byte[] bytes, long size);

    static native int uc_mem_write(long uc, long address, long buffer, long size);

    static native int uc_mem_read(long uc, long address, byte[] bytes, long size);

    static native int uc_mem_read(long uc, long address, long buffer, long size);

    static native int uc_emu_start(long uc, long begin, long until, long timeout, long count);

    static native int uc_emu_stop(long uc);

    static native int uc_hook_add(long uc, long[] hh, int type, CodeCallback callback, long userData, long begin, long end);

    static native int uc_hook_add(long uc, long[] hh, int type, EventMemCallback callback, long userData, long begin, long end);

    static native int uc_hook_add(long uc, long[] hh, int type, InterruptCallback callback, long userData, long begin, long end);

    static native int uc_hook_del(long uc, long hh);

    static native int uc_mem_map(long uc, long address, long size, int perms);

    static native int uc_mem_unmap(long uc, long address, long size);

    static native int uc_mem_protect(long uc, long address, long size, int perms);

    static native int uc_context_alloc(long uc, long[] context);

    static native int uc_context_save(long uc, long context);

    static native int uc_context_restore(long uc, long context);

    static native int uc_context_free(long context);
}
