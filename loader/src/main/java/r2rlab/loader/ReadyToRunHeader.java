package r2rlab.loader;

import java.util.List;

/** READYTORUN_HEADER: signature 'RTR', version, flags and the sections sorted by type. */
public record ReadyToRunHeader(long rva, int majorVersion, int minorVersion, int flags, List<ReadyToRunSection> sections) {
    public String version() {
        return majorVersion + "." + minorVersion;
    }

    /** The section of this type, or null. */
    public ReadyToRunSection section(int type) {
        for (ReadyToRunSection s : sections) {
            if (s.type() == type) {
                return s;
            }
        }
        return null;
    }
}
