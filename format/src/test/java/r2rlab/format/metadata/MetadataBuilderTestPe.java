package r2rlab.format.metadata;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Test-only: wraps metadata in a minimal PE32 DLL so external tools (monodis) can read it. One
 * section ".text" at RVA 0x2000 holds the CLI header (IMAGE_COR20_HEADER), then IL bodies at
 * {@link #IL_RVA}, then the metadata (4-aligned). Data directory 14 points at the CLI header.
 */
final class MetadataBuilderTestPe {
    static final int SECTION_RVA = 0x2000;
    static final int CLI_HEADER_SIZE = 0x48;
    static final int IL_RVA = SECTION_RVA + CLI_HEADER_SIZE;
    private static final int FILE_ALIGNMENT = 0x200;
    private static final int SECTION_ALIGNMENT = 0x2000;
    private static final int HEADERS_SIZE = 0x200;

    private MetadataBuilderTestPe() {
    }

    /** Offset of the metadata inside the file, for {@code Metadata.read}. */
    static int metadataFileOffset(byte[] il) {
        return HEADERS_SIZE + metadataSectionOffset(il);
    }

    private static int metadataSectionOffset(byte[] il) {
        return (CLI_HEADER_SIZE + il.length + 3) & ~3;
    }

    static byte[] build(byte[] il, byte[] metadata) {
        int mdOffset = metadataSectionOffset(il);
        int sectionSize = mdOffset + metadata.length;
        int rawSize = align(sectionSize, FILE_ALIGNMENT);
        int imageSize = SECTION_RVA + align(sectionSize, SECTION_ALIGNMENT);
        ByteBuffer b = ByteBuffer.allocate(HEADERS_SIZE + rawSize).order(ByteOrder.LITTLE_ENDIAN);

        // DOS header: "MZ", e_lfanew = 0x80.
        b.putShort(0, (short) 0x5A4D);
        b.putInt(0x3C, 0x80);
        // PE signature and COFF header.
        int pe = 0x80;
        b.putInt(pe, 0x00004550);
        b.putShort(pe + 4, (short) 0x14C); // i386
        b.putShort(pe + 6, (short) 1); // sections
        b.putShort(pe + 20, (short) 0xE0); // SizeOfOptionalHeader
        b.putShort(pe + 22, (short) 0x2102); // EXECUTABLE_IMAGE | 32BIT_MACHINE | DLL
        // Optional header (PE32).
        int oh = pe + 24;
        b.putShort(oh, (short) 0x10B);
        b.put(oh + 2, (byte) 8);
        b.putInt(oh + 4, rawSize); // SizeOfCode
        b.putInt(oh + 20, SECTION_RVA); // BaseOfCode
        b.putInt(oh + 24, 0); // BaseOfData
        b.putInt(oh + 28, 0x10000000); // ImageBase
        b.putInt(oh + 32, SECTION_ALIGNMENT);
        b.putInt(oh + 36, FILE_ALIGNMENT);
        b.putShort(oh + 40, (short) 4); // OS major
        b.putShort(oh + 48, (short) 4); // subsystem major
        b.putInt(oh + 56, imageSize);
        b.putInt(oh + 60, HEADERS_SIZE);
        b.putShort(oh + 68, (short) 3); // CUI
        b.putShort(oh + 70, (short) 0x8540); // DYNAMIC_BASE | NX_COMPAT | NO_SEH | TERMINAL_SERVER_AWARE
        b.putInt(oh + 72, 0x100000);
        b.putInt(oh + 76, 0x1000);
        b.putInt(oh + 80, 0x100000);
        b.putInt(oh + 84, 0x1000);
        b.putInt(oh + 92, 16); // NumberOfRvaAndSizes
        int dirs = oh + 96;
        b.putInt(dirs + 14 * 8, SECTION_RVA);
        b.putInt(dirs + 14 * 8 + 4, CLI_HEADER_SIZE);
        // Section header.
        int sh = oh + 0xE0;
        byte[] name = ".text".getBytes(StandardCharsets.US_ASCII);
        b.put(sh, name, 0, name.length);
        b.putInt(sh + 8, sectionSize);
        b.putInt(sh + 12, SECTION_RVA);
        b.putInt(sh + 16, rawSize);
        b.putInt(sh + 20, HEADERS_SIZE);
        b.putInt(sh + 36, 0x60000020); // CODE | EXECUTE | READ

        // CLI header.
        int cli = HEADERS_SIZE;
        b.putInt(cli, CLI_HEADER_SIZE);
        b.putShort(cli + 4, (short) 2);
        b.putShort(cli + 6, (short) 5);
        b.putInt(cli + 8, SECTION_RVA + mdOffset);
        b.putInt(cli + 12, metadata.length);
        b.putInt(cli + 16, 1); // COMIMAGE_FLAGS_ILONLY
        b.put(HEADERS_SIZE + CLI_HEADER_SIZE, il, 0, il.length);
        b.put(HEADERS_SIZE + mdOffset, metadata, 0, metadata.length);
        return b.array();
    }

    private static int align(int value, int alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }
}
