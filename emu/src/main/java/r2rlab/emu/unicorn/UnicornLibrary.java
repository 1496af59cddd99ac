package r2rlab.emu.unicorn;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * Minimal JNA binding to the system's Unicorn 2 ({@code libunicorn.so.2}, library name {@code unicorn}).
 * Names and parameter order follow unicorn.h. {@code size_t} and {@code uint64_t} are mapped to Java
 * {@code long} (LP64 platforms only).
 *
 * <p>{@code uc_hook_add} is variadic in C; it is declared here non-variadic with {@code begin, end}
 * as the last named parameters, which is correct for CODE, BLOCK, MEM and INTR hooks (INTR ignores
 * the range) but not for {@code UC_HOOK_INSN}, which would need an extra argument.
 */
public interface UnicornLibrary extends Library {

    UnicornLibrary INSTANCE = Native.load("unicorn", UnicornLibrary.class);

    /** {@code void (*uc_cb_hookcode_t)(uc_engine*, uint64_t address, uint32_t size, void* user_data)}. */
    interface CodeCallback extends Callback {
        void invoke(Pointer uc, long address, int size, Pointer userData);
    }

    /**
     * {@code bool (*uc_cb_eventmem_t)(uc_engine*, uc_mem_type, uint64_t address, int size, int64_t value,
     * void* user_data)}: return true to continue (only after mapping the memory), false to stop.
     */
    interface EventMemCallback extends Callback {
        boolean invoke(Pointer uc, int type, long address, int size, long value, Pointer userData);
    }

    /** {@code void (*uc_cb_hookintr_t)(uc_engine*, uint32_t intno, void* user_data)}. */
    interface InterruptCallback extends Callback {
        void invoke(Pointer uc, int intno, Pointer userData);
    }

    int uc_version(Pointer major, Pointer minor);

    boolean uc_arch_supported(int arch);

    int uc_open(int arch, int mode, PointerByReference uc);

    int uc_close(Pointer uc);

    int uc_query(Pointer uc, int type, LongByReference result);

    int uc_errno(Pointer uc);

    String uc_strerror(int code);

    int uc_reg_write(Pointer uc, int regid, LongByReference value);

    int uc_reg_read(Pointer uc, int regid, LongByReference value);

    int uc_mem_write(Pointer uc, long address, byte[] bytes, long size);

    int uc_mem_read(Pointer uc, long address, byte[] bytes, long size);

    int uc_emu_start(Pointer uc, long begin, long until, long timeout, long count);

    int uc_emu_stop(Pointer uc);

    int uc_hook_add(Pointer uc, LongByReference hh, int type, CodeCallback callback, Pointer userData,
            long begin, long end);

    int uc_hook_add(Pointer uc, LongByReference hh, int type, EventMemCallback callback, Pointer userData,
            long begin, long end);

    int uc_hook_add(Pointer uc, LongByReference hh, int type, InterruptCallback callback, Pointer userData,
            long begin, long end);

    int uc_hook_del(Pointer uc, long hh);

    int uc_mem_map(Pointer uc, long address, long size, int perms);

    int uc_mem_unmap(Pointer uc, long address, long size);

    int uc_mem_protect(Pointer uc, long address, long size, int perms);

    int uc_context_alloc(Pointer uc, PointerByReference context);

    int uc_context_save(Pointer uc, Pointer context);

    int uc_context_restore(Pointer uc, Pointer context);

    int uc_context_free(Pointer context);
}
