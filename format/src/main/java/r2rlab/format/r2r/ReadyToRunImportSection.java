package r2rlab.format.r2r;

/** READYTORUN_IMPORT_SECTION (20 bytes) field layout and its flag and type values. */
public final class ReadyToRunImportSection {
    public static final int SIZE = 20;

    public static final int FLAGS_NONE = 0x0000;
    /** Cells are filled when the image is loaded (the Module cell lives in such a section). */
    public static final int FLAGS_EAGER = 0x0001;
    /** Cells hold code pointers. */
    public static final int FLAGS_PCODE = 0x0004;

    public static final int TYPE_UNKNOWN = 0;
    public static final int TYPE_STUB_DISPATCH = 2;
    public static final int TYPE_STRING_HANDLE = 3;
    public static final int TYPE_ILBODY_FIXUPS = 7;

    private ReadyToRunImportSection() {
    }

    public static String typeName(int type) {
        return switch (type) {
            case TYPE_UNKNOWN -> "Unknown";
            case TYPE_STUB_DISPATCH -> "StubDispatch";
            case TYPE_STRING_HANDLE -> "StringHandle";
            case TYPE_ILBODY_FIXUPS -> "ILBodyFixups";
            default -> "Type(" + type + ")";
        };
    }

    public static String flagsName(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & FLAGS_EAGER) != 0) {
            sb.append("Eager");
        }
        if ((flags & FLAGS_PCODE) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("PCode");
        }
        int rest = flags & ~(FLAGS_EAGER | FLAGS_PCODE);
        if (rest != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append(String.format("0x%X", rest));
        }
        return sb.length() == 0 ? "None" : sb.toString();
    }
}
