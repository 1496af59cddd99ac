package r2rlab.format.r2r;

import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.pe.Machine;

/**
 * RUNTIME_FUNCTION (r2r-format.md §5.1), one per code fragment. x64 stores BeginAddress,
 * EndAddress (exclusive) and UnwindData (12 bytes); ARM64, ARM and x86 store BeginAddress and
 * UnwindData (8 bytes) and derive the end from the unwind record, so {@link #endAddress} is
 * {@link #NO_END_ADDRESS} there.
 */
public record RuntimeFunctionEntry(long beginAddress, long endAddress, long unwindData) {
    public static final int BEGIN_ADDRESS_OFFSET = 0;
    /** x64 only. */
    public static final int END_ADDRESS_OFFSET = 4;
    public static final int X64_UNWIND_DATA_OFFSET = 8;
    public static final int UNWIND_DATA_OFFSET = 4;
    public static final int X64_SIZE = 12;
    public static final int SIZE = 8;
    /** {@link #endAddress} of a machine whose entries do not store it. */
    public static final long NO_END_ADDRESS = -1;
    /** The u32 after the last entry; 18.x crossgen2 counts it in the RuntimeFunctions section's size. */
    public static final long SENTINEL = 0xFFFFFFFFL;

    public static boolean storesEndAddress(Machine machine) {
        return machine == Machine.AMD64;
    }

    public static int size(Machine machine) {
        return storesEndAddress(machine) ? X64_SIZE : SIZE;
    }

    public static int unwindDataOffset(Machine machine) {
        return storesEndAddress(machine) ? X64_UNWIND_DATA_OFFSET : UNWIND_DATA_OFFSET;
    }

    public static RuntimeFunctionEntry read(ByteReader file, long offset, Machine machine) {
        String s = "RUNTIME_FUNCTION";
        file.require(s, offset, size(machine));
        long end = storesEndAddress(machine) ? file.u32(s + ".EndAddress", offset + END_ADDRESS_OFFSET) : NO_END_ADDRESS;
        return new RuntimeFunctionEntry(file.u32(s + ".BeginAddress", offset + BEGIN_ADDRESS_OFFSET), end,
                file.u32(s + ".UnwindData", offset + unwindDataOffset(machine)));
    }

    public void write(BlobBuilder b, Machine machine) {
        b.u32(beginAddress);
        if (storesEndAddress(machine)) {
            b.u32(endAddress);
        }
        b.u32(unwindData);
    }
}
