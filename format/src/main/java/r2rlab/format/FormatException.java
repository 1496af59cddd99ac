package r2rlab.format;

/**
 * A structure of an image (or of a blob inside it) is malformed: truncated, out of range, looping or
 * inconsistent. Always names the structure and the file offset at which the problem was found, so a
 * user can open the image in a hex viewer and look.
 */
public final class FormatException extends RuntimeException {
    private final String structure;
    private final long fileOffset;

    public FormatException(String structure, long fileOffset, String problem) {
        super(structure + (fileOffset >= 0 ? " at file offset 0x" + Long.toHexString(fileOffset) : "") + ": " + problem);
        this.structure = structure;
        this.fileOffset = fileOffset;
    }

    /** The format structure being read, e.g. "ImportSection[3]" or "MethodDefEntryPoints". */
    public String structure() {
        return structure;
    }

    /** File offset of the bytes that could not be read; -1 when the bytes are not in the file. */
    public long fileOffset() {
        return fileOffset;
    }
}
