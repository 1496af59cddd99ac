package r2rlab.format.pe;

import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * IMAGE_COR20_HEADER (0x48 bytes, r2r-format.md §1.3): cb, runtime version, MetaData, Flags,
 * EntryPointToken, Resources, StrongNameSignature, CodeManagerTable, VTableFixups,
 * ExportAddressTableJumps and ManagedNativeHeader, which in a ReadyToRun image points at the
 * READYTORUN_HEADER.
 */
public record CorHeader(long cb, int majorRuntimeVersion, int minorRuntimeVersion, DataDirectory metadata, long flags,
                        long entryPointToken, DataDirectory resources, DataDirectory strongNameSignature,
                        DataDirectory codeManagerTable, DataDirectory vTableFixups, DataDirectory exportAddressTableJumps,
                        DataDirectory managedNativeHeader) {
    public static final int CB_OFFSET = 0x00;
    public static final int MAJOR_RUNTIME_VERSION_OFFSET = 0x04;
    public static final int MINOR_RUNTIME_VERSION_OFFSET = 0x06;
    public static final int METADATA_OFFSET = 0x08;
    public static final int FLAGS_OFFSET = 0x10;
    public static final int ENTRY_POINT_TOKEN_OFFSET = 0x14;
    public static final int RESOURCES_OFFSET = 0x18;
    public static final int STRONG_NAME_SIGNATURE_OFFSET = 0x20;
    public static final int CODE_MANAGER_TABLE_OFFSET = 0x28;
    public static final int VTABLE_FIXUPS_OFFSET = 0x30;
    public static final int EXPORT_ADDRESS_TABLE_JUMPS_OFFSET = 0x38;
    public static final int MANAGED_NATIVE_HEADER_OFFSET = 0x40;
    public static final int SIZE = 0x48;

    /** The runtime version every .NET image carries (2.5). */
    public static final int MAJOR_RUNTIME_VERSION = 2;
    public static final int MINOR_RUNTIME_VERSION = 5;

    public static final long COMIMAGE_FLAGS_ILONLY = 0x1;
    public static final long COMIMAGE_FLAGS_32BITREQUIRED = 0x2;
    /** Set by crossgen2 on ReadyToRun images. */
    public static final long COMIMAGE_FLAGS_IL_LIBRARY = 0x4;
    public static final long COMIMAGE_FLAGS_STRONGNAMESIGNED = 0x8;

    public static CorHeader read(ByteReader file, long offset) {
        String s = "IMAGE_COR20_HEADER";
        long cb = file.u32(s, offset + CB_OFFSET);
        if (cb < SIZE) {
            throw new FormatException(s, offset, "cb is " + cb + ", less than the 0x48 bytes of the header");
        }
        file.require(s, offset, SIZE);
        return new CorHeader(cb, file.u16(s, offset + MAJOR_RUNTIME_VERSION_OFFSET), file.u16(s, offset + MINOR_RUNTIME_VERSION_OFFSET),
                DataDirectory.read(file, s + ".MetaData", offset + METADATA_OFFSET),
                file.u32(s, offset + FLAGS_OFFSET), file.u32(s, offset + ENTRY_POINT_TOKEN_OFFSET),
                DataDirectory.read(file, s + ".Resources", offset + RESOURCES_OFFSET),
                DataDirectory.read(file, s + ".StrongNameSignature", offset + STRONG_NAME_SIGNATURE_OFFSET),
                DataDirectory.read(file, s + ".CodeManagerTable", offset + CODE_MANAGER_TABLE_OFFSET),
                DataDirectory.read(file, s + ".VTableFixups", offset + VTABLE_FIXUPS_OFFSET),
                DataDirectory.read(file, s + ".ExportAddressTableJumps", offset + EXPORT_ADDRESS_TABLE_JUMPS_OFFSET),
                DataDirectory.read(file, s + ".ManagedNativeHeader", offset + MANAGED_NATIVE_HEADER_OFFSET));
    }

    public void write(BlobBuilder b) {
        b.u32(cb).u16(majorRuntimeVersion).u16(minorRuntimeVersion);
        metadata.write(b);
        b.u32(flags).u32(entryPointToken);
        for (DataDirectory d : new DataDirectory[] {resources, strongNameSignature, codeManagerTable, vTableFixups,
            exportAddressTableJumps, managedNativeHeader}) {
            d.write(b);
        }
    }
}
