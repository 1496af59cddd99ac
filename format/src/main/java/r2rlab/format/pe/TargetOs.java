package r2rlab.format.pe;

/**
 * The OS "override" of ReadyToRun: crossgen2 XORs the COFF machine value with a per-OS constant so
 * that code compiled for one OS is never run on another (TargetExtensions.cs; r2r-format.md §1.2).
 */
public enum TargetOs {
    WINDOWS(0x0000, "windows"),
    LINUX(0x7B79, "linux"),
    MACOS(0x4644, "macos"),
    FREEBSD(0xADC4, "freebsd"),
    NETBSD(0x1993, "netbsd"),
    SUNOS(0x1992, "sunos");

    public final int xor;
    public final String osName;

    TargetOs(int xor, String osName) {
        this.xor = xor;
        this.osName = osName;
    }

    /** The machine value written to the COFF header for this architecture and OS. */
    public int encode(Machine machine) {
        return machine.value ^ xor;
    }

    /** Splits a raw COFF machine value into architecture and OS; null when no pair matches. */
    public static MachineAndOs decode(int rawMachine) {
        for (TargetOs os : values()) {
            Machine m = Machine.fromValue(rawMachine ^ os.xor);
            if (m != null) {
                return new MachineAndOs(m, os);
            }
        }
        return null;
    }

    public static TargetOs fromName(String name) {
        for (TargetOs os : values()) {
            if (os.osName.equals(name)) {
                return os;
            }
        }
        return null;
    }

    public record MachineAndOs(Machine machine, TargetOs os) {
    }
}
