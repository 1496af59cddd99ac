package r2rlab.emitter;

import java.util.Locale;
import r2rlab.format.pe.Machine;

/** The architectures the emitter writes code for. */
public enum Architecture {
    X64(Machine.AMD64),
    ARM64(Machine.ARM64);

    public final Machine machine;

    Architecture(Machine machine) {
        this.machine = machine;
    }

    public static Architecture byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "x64", "amd64", "x86_64" -> X64;
            case "arm64", "aarch64" -> ARM64;
            default -> throw new IllegalArgumentException("unknown architecture '" + name + "' (x64 or arm64)");
        };
    }
}
