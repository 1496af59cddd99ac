package r2rlab.format.unwind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import r2rlab.format.pe.DataDirectory;
import r2rlab.format.pe.PeImage;

/**
 * Test-only: real images from the fixture folder (the build passes it as {@code r2rlab.fixtures}) and
 * the unwind data their exception directory (IMAGE_DIRECTORY_ENTRY_EXCEPTION) points at.
 */
public final class UnwindFixtures {
    private UnwindFixtures() {
    }

    public static PeImage image(String relative) {
        String dir = System.getProperty("r2rlab.fixtures");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("fixtures folder not set: run through Maven or set -Dr2rlab.fixtures");
        }
        try {
            return PeImage.read(Files.readAllBytes(Paths.get(dir).resolve(relative)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Number of RUNTIME_FUNCTION entries of {@code entrySize} bytes (12 on x64, 8 on ARM64) in the exception directory. */
    public static int runtimeFunctionCount(PeImage pe, int entrySize) {
        return (int) (pe.dataDirectory(DataDirectory.EXCEPTION).size() / entrySize);
    }

    /** The u32 field at {@code fieldOffset} of RUNTIME_FUNCTION {@code index}. */
    public static long runtimeFunctionField(PeImage pe, int entrySize, int index, int fieldOffset) {
        DataDirectory d = pe.dataDirectory(DataDirectory.EXCEPTION);
        long table = pe.rvaToOffset("exception directory", d.rva(), d.size());
        return pe.file().u32("RUNTIME_FUNCTION[" + index + "]", table + (long) entrySize * index + fieldOffset);
    }

    /** File offset of the unwind data (the last field of the entry: UnwindData / UnwindInfoAddress) of RUNTIME_FUNCTION {@code index}. */
    public static long unwindDataOffset(PeImage pe, int entrySize, int index) {
        long rva = runtimeFunctionField(pe, entrySize, index, entrySize - 4);
        return pe.rvaToOffset("unwind data", rva, 4);
    }
}
