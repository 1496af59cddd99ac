package r2rlab.format.r2r;

/** READYTORUN_HEADER constants: signature, layout and READYTORUN_FLAG_* values. */
public final class ReadyToRunHeaderConstants {
    /** 'R','T','R',0 read as a little-endian u32. */
    public static final int SIGNATURE = 0x00525452;
    /** Signature, MajorVersion, MinorVersion, Flags, NumberOfSections. */
    public static final int HEADER_SIZE = 16;
    /** READYTORUN_SECTION: Type, RVA, Size. */
    public static final int SECTION_ENTRY_SIZE = 12;

    /** Version of the .NET 11 preview 4 images with runtime-async code. */
    public static final int NET11_MAJOR_VERSION = 18;
    public static final int NET11_MINOR_VERSION = 5;

    public static final int FLAG_PLATFORM_NEUTRAL_SOURCE = 0x001;
    public static final int FLAG_SKIP_TYPE_VALIDATION = 0x002;
    public static final int FLAG_PARTIAL = 0x004;
    public static final int FLAG_NONSHARED_PINVOKE_STUBS = 0x008;
    public static final int FLAG_EMBEDDED_MSIL = 0x010;
    public static final int FLAG_COMPONENT = 0x020;
    public static final int FLAG_MULTIMODULE_VERSION_BUBBLE = 0x040;
    public static final int FLAG_UNRELATED_R2R_CODE = 0x080;
    public static final int FLAG_PLATFORM_NATIVE_IMAGE = 0x100;

    private static final String[] FLAG_NAMES = {
        "PLATFORM_NEUTRAL_SOURCE", "SKIP_TYPE_VALIDATION", "PARTIAL", "NONSHARED_PINVOKE_STUBS",
        "EMBEDDED_MSIL", "COMPONENT", "MULTIMODULE_VERSION_BUBBLE", "UNRELATED_R2R_CODE", "PLATFORM_NATIVE_IMAGE",
    };

    private ReadyToRunHeaderConstants() {
    }

    public static String flagsName(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            if ((flags & (1 << i)) != 0) {
                if (sb.length() > 0) {
                    sb.append(" | ");
                }
                sb.append(i < FLAG_NAMES.length ? "READYTORUN_FLAG_" + FLAG_NAMES[i] : String.format("0x%X", 1 << i));
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
