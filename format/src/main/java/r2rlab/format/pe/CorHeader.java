package r2rlab.format.pe;

import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * IMAGE_COR20_HEADER (0x48 bytes): cb, runtime version, MetaData, Flags, EntryPointToken,
 * Resources, StrongNameSignature, CodeManagerTable, VTableFixups, ExportAddressTableJumps and
 * ManagedNativeHeader, which in a ReadyToRun image points at the READYTORUN_HEADER.
 */
public record CorHeader(long cb, int majorRuntimeVersion, int minorRuntimeVersion, DataDirectory metadata, long flags,
                        long entryPointToken, DataDirectory resources, DataDirectory strongNameSignature,
                        DataDirectory managedNativeHeader) {
    public static final int SIZE = 0x48;
    public static final long COMIMAGE_FLAGS_ILONLY = 0x1;
    public static final long COMIMAGE_FLAGS_32BITREQUIRED = 0x2;
    /** Set by crossgen2 on ReadyToRun images. */
    public static final long COMIMAGE_FLAGS_IL_LIBRARY = 0x4;
    public static final long COMIMAGE_FLAGS_STRONGNAMESIGNED = 0x8;

    public static CorHeader read(ByteReader file, long offset) {
        String s = "IMAGE_COR20_HEADER";
        long cb = file.u32(s, offset);
        if (cb < SIZE) {
            throw new FormatException(s, offset, "cb is " + cb + ", less than the 0x48 bytes of the header");
        }
        file.require(s, offset, SIZE);
        return new CorHeader(cb, file.u16(s, offset + 4), file.u16(s, offset + 6),
                new DataDirectory(file.u32(s + ".MetaData", offset + 8), file.u32(s + ".MetaData", offset + 12)),
                file.u32(s, offset + 16), file.u32(s, offset + 20),
                new DataDirectory(file.u32(s, offset + 24), file.u32(s, offset + 28)),
                new DataDirectory(file.u32(s, offset + 32), file.u32(s, offset + 36)),
                new DataDirectory(file.u32(s + ".ManagedNativeHeader", offset + 64), file.u32(s + ".ManagedNativeHeader", offset + 68)));
    }
}
