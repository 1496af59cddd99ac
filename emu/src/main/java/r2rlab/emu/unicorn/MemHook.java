package r2rlab.emu.unicorn;

/** Called on an invalid (unmapped or protection-violating) memory access. */
@FunctionalInterface
public interface MemHook {
    /**
     * @param type    {@code UnicornConst.UC_MEM_*}, e.g. {@code UC_MEM_READ_UNMAPPED} (19)
     * @param address the faulting data address
     * @param size    access size in bytes
     * @param value   value being written (writes only)
     * @return true to retry the access (only valid after mapping the memory in the hook), false to let
     *         emulation fail with the corresponding {@code UC_ERR_*}
     */
    boolean onInvalid(CpuEngine engine, int type, long address, int size, long value);
}
