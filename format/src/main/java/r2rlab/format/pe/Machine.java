package r2rlab.format.pe;

/** COFF machine values of the architectures ReadyToRun targets (winnt.h IMAGE_FILE_MACHINE_*). */
public enum Machine {
    I386(0x014C, "x86", 4),
    AMD64(0x8664, "x64", 8),
    ARMNT(0x01C4, "arm", 4),
    ARM64(0xAA64, "arm64", 8);

    public final int value;
    /** The architecture name used in r2rlab's output. */
    public final String archName;
    public final int pointerSize;

    Machine(int value, String archName, int pointerSize) {
        this.value = value;
        this.archName = archName;
        this.pointerSize = pointerSize;
    }

    public static Machine fromValue(int value) {
        for (Machine m : values()) {
            if (m.value == value) {
                return m;
            }
        }
        return null;
    }
}
