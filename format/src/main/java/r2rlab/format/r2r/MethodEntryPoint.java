package r2rlab.format.r2r;

import java.io.ByteArrayOutputStream;
import java.util.List;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.nativeformat.FixupList;
import r2rlab.format.nativeformat.NativeReader;
import r2rlab.format.nativeformat.NativeWriter;

/**
 * The entry-point value of MethodDefEntryPoints and InstanceMethodEntryPoints (r2r-format.md §3.2):
 * a NativeFormat unsigned v naming the method's first runtime function, and its fixup list when it
 * has one. v = index &lt;&lt; 1: no fixups; v = index &lt;&lt; 2 | 1: the fixup list follows inline;
 * v = index &lt;&lt; 2 | 3: an unsigned delta follows, and the list (shared with an earlier entry)
 * starts delta bytes before the position just after v. {@code sharedFixupsDelta} is that delta, 0
 * for the other two forms.
 */
public record MethodEntryPoint(int runtimeFunction, List<FixupCell> fixups, long sharedFixupsDelta) {
    /** Bit 0 of v: a fixup list exists. */
    public static final int HAS_FIXUPS = 1;
    /** Bit 1 of v, with bit 0: the fixup list is elsewhere, a delta back from the end of v. */
    public static final int SHARED_FIXUPS = 2;

    public MethodEntryPoint {
        fixups = List.copyOf(fixups);
        if (sharedFixupsDelta < 0 || sharedFixupsDelta != 0 && fixups.isEmpty()) {
            throw new IllegalArgumentException("a shared fixup list needs cells and a positive delta: " + sharedFixupsDelta);
        }
    }

    /** An entry point with no fixups or with its fixup list inline. */
    public static MethodEntryPoint of(int runtimeFunction, List<FixupCell> fixups) {
        return new MethodEntryPoint(runtimeFunction, fixups, 0);
    }

    public static MethodEntryPoint read(NativeReader r, long offset) {
        long v = r.decodeUnsigned(offset);
        long after = r.next();
        if ((v & HAS_FIXUPS) == 0) {
            return new MethodEntryPoint((int) (v >>> 1), List.of(), 0);
        }
        long delta = 0;
        long list = after;
        if ((v & SHARED_FIXUPS) != 0) {
            delta = r.decodeUnsigned(after);
            if (delta == 0) {
                throw r.error(after, "shared fixup list delta is 0");
            }
            list = after - delta;
        }
        return new MethodEntryPoint((int) (v >>> 2), FixupList.read(r, list), delta);
    }

    /** Writes v and, for the inline form, the fixup list; a shared list is written where the delta points. */
    public void write(ByteArrayOutputStream out) {
        if (fixups.isEmpty()) {
            NativeWriter.writeUnsigned(out, (long) runtimeFunction << 1);
        } else if (sharedFixupsDelta == 0) {
            NativeWriter.writeUnsigned(out, (long) runtimeFunction << 2 | HAS_FIXUPS);
            out.writeBytes(FixupList.write(fixups));
        } else {
            NativeWriter.writeUnsigned(out, (long) runtimeFunction << 2 | SHARED_FIXUPS | HAS_FIXUPS);
            NativeWriter.writeUnsigned(out, sharedFixupsDelta);
        }
    }

    public byte[] toByteArray() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out);
        return out.toByteArray();
    }
}
