package r2rlab.emu.unicorn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.ReadyToRunInstructionSet;

/**
 * The CPU engine the emulated runtime drives: guest memory, registers, runs, hooks and saved register
 * contexts, and nothing else. {@link Unicorn} (JNA over libunicorn.so.2) implements it; another binding
 * of the same library (for example one over Java's foreign-function API) is one more implementation.
 *
 * <p>The vocabulary is Unicorn's, as every binding of the library shares it: register ids and memory
 * permissions are {@link UnicornConst} values, a failed run throws {@link UcException} (or
 * {@link EmuTimeoutException}), and an exception thrown by a hook stops the run and is rethrown by
 * {@link #emuStart}.
 */
public interface CpuEngine extends AutoCloseable {

    /** Opens an engine for a machine's instruction set (x64 or ARM64). */
    @FunctionalInterface
    interface Factory {
        CpuEngine open(Machine machine);
    }

    /** A saved register state (registers only, not memory). Close it to free it. */
    interface Context extends AutoCloseable {
        @Override
        void close();
    }

    boolean isX86();

    boolean isArm64();

    /**
     * The instruction sets this engine executes with the results the architecture defines, named as
     * Check_InstructionSetSupport fixups name them. The emulated runtime resolves those fixups against
     * this set by default, as the runtime resolves them against the host CPU; a set is left out when
     * any of its instructions faults or computes something else.
     */
    Set<ReadyToRunInstructionSet> instructionSets();

    /** Register id of the program counter (RIP / PC). */
    default int pcRegister() {
        return isX86() ? UnicornConst.UC_X86_REG_RIP : UnicornConst.UC_ARM64_REG_PC;
    }

    /** Register id of the stack pointer (RSP / SP). */
    default int spRegister() {
        return isX86() ? UnicornConst.UC_X86_REG_RSP : UnicornConst.UC_ARM64_REG_SP;
    }

    // ---- memory

    void memMap(long address, long size, int perms);

    void memUnmap(long address, long size);

    byte[] memRead(long address, int size);

    void memWrite(long address, byte[] bytes);

    /** Reads a little-endian 32-bit value. */
    default int readInt(long address) {
        return ByteBuffer.wrap(memRead(address, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** Reads a little-endian 64-bit value. */
    default long readLong(long address) {
        return ByteBuffer.wrap(memRead(address, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Writes a little-endian 64-bit value. */
    default void writeLong(long address, long value) {
        memWrite(address, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    /** Writes 32-bit little-endian words (ARM64 instructions). */
    default void writeWords(long address, int... words) {
        ByteBuffer bb = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            bb.putInt(w);
        }
        memWrite(address, bb.array());
    }

    // ---- registers

    /** Reads a register of up to 64 bits. */
    long regRead(int regId);

    /** Writes a register of up to 64 bits. */
    void regWrite(int regId, long value);

    default long pc() {
        return regRead(pcRegister());
    }

    default void setPc(long value) {
        regWrite(pcRegister(), value);
    }

    // ---- runs

    /**
     * Emulates from {@code begin} until PC reaches {@code until}, the timeout elapses
     * ({@code timeoutMicros}, 0 = none) or {@code count} instructions ran (0 = no limit).
     *
     * @throws UcException          the run failed (a guest fault etc.)
     * @throws EmuTimeoutException  the timeout elapsed
     * @throws RuntimeException     whatever a hook threw (the run was stopped at that point)
     */
    void emuStart(long begin, long until, long timeoutMicros, long count);

    /** {@code emuStart(begin, until, 0, 0)}. */
    default void emuStart(long begin, long until) {
        emuStart(begin, until, 0, 0);
    }

    /** Stops the current run; called from a hook. */
    void emuStop();

    /**
     * Stops the current run from another thread (a run's watchdog at its deadline); a no-op when no
     * run is in progress, and after {@link #close}. The only method that may be called from a thread
     * other than the one driving the engine.
     */
    void interrupt();

    // ---- hooks

    /** A hook called before each instruction in [begin, end] (inclusive) runs; keep the range small. */
    long hookCode(long begin, long end, CodeHook hook);

    /** A hook called on every unmapped or protection-violating memory access. */
    long hookMemInvalid(MemHook hook);

    /** Removes a hook and releases its callback. */
    void hookDel(long hookHandle);

    // ---- contexts

    /** Saves the registers into a new {@link Context}. */
    Context saveContext();

    /** Restores registers saved by {@link #saveContext} of this engine. */
    void restoreContext(Context context);

    // ---- lifetime

    boolean isClosed();

    @Override
    void close();
}
