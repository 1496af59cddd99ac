package r2rlab.format.pe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.MetadataFixtures;

class BaseRelocationBlockTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void roundTrip_pageSizeThenTypeAndOffsetEntries() {
        BaseRelocationBlock block = new BaseRelocationBlock(0x2000, List.of(0xA000, 0xA008, 0x3FF8, 0x0000));
        BlobBuilder b = new BlobBuilder();
        block.write(b);
        assertEquals("00200000" + "10000000" + "00a0" + "08a0" + "f83f" + "0000", HEX.formatHex(b.toByteArray()));
        assertEquals(block, BaseRelocationBlock.read(new ByteReader(b.toByteArray()), 0, 16));
        // The ABSOLUTE padding asks for nothing.
        assertEquals(List.of(new PeImage.BaseRelocation(0x2000, RelocType.IMAGE_REL_BASED_DIR64),
                new PeImage.BaseRelocation(0x2008, RelocType.IMAGE_REL_BASED_DIR64),
                new PeImage.BaseRelocation(0x2FF8, RelocType.IMAGE_REL_BASED_HIGHLOW)), block.relocations());
    }

    @Test
    void of_onePaddedBlockPerPage() {
        List<BaseRelocationBlock> blocks = BaseRelocationBlock.of(List.of(new PeImage.BaseRelocation(0x5FF8, 10),
                new PeImage.BaseRelocation(0x2008, 10), new PeImage.BaseRelocation(0x2000, 10)));
        assertEquals(List.of(new BaseRelocationBlock(0x2000, List.of(0xA000, 0xA008)), new BaseRelocationBlock(0x5000, List.of(0xAFF8, 0))),
                blocks);
    }

    @Test
    void blockRunningPastTheDirectory_rejected() {
        byte[] bytes = HEX.parseHex("00200000" + "10000000" + "00a0" + "08a0");
        FormatException e = assertThrows(FormatException.class, () -> BaseRelocationBlock.read(new ByteReader(bytes), 0, bytes.length));
        assertEquals("IMAGE_BASE_RELOCATION.SizeOfBlock", e.structure());
        assertEquals(4, e.fileOffset());
    }

    @Test
    void x64Fixture_relocSectionWritesBackTheSameBytes() {
        List<BaseRelocationBlock> blocks = assertWritesBack("r2r-net11-async/System.IO.Compression.ZipFile.dll", 0x13000, 564);
        assertEquals(new BaseRelocationBlock(0xE000, blocks.get(0).entries()), blocks.get(0));
        assertEquals(0x68, blocks.get(0).sizeOfBlock());
        assertEquals(0xAE30, blocks.get(0).entries().get(0));
    }

    @Test
    void arm64Fixture_relocSectionWritesBackTheSameBytes() {
        List<BaseRelocationBlock> blocks = assertWritesBack("r2r/ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll",
                0x17200, 552);
        assertEquals(0x19000, blocks.get(0).pageRva());
        assertEquals(0x20, blocks.get(0).sizeOfBlock());
        assertEquals(0xA6D4, blocks.get(0).entries().get(0));
    }

    private static List<BaseRelocationBlock> assertWritesBack(String fixture, long expectedOffset, int expectedSize) {
        PeImage pe = PeImage.read(MetadataFixtures.bytes(MetadataFixtures.fixture(fixture)));
        DataDirectory dir = pe.dataDirectory(DataDirectory.BASERELOC);
        assertEquals(expectedSize, dir.size());
        long start = pe.rvaToOffset("reloc", dir.rva(), dir.size());
        assertEquals(expectedOffset, start);
        List<BaseRelocationBlock> blocks = new ArrayList<>();
        BlobBuilder b = new BlobBuilder();
        List<PeImage.BaseRelocation> relocations = new ArrayList<>();
        for (long p = start; p < start + dir.size(); ) {
            BaseRelocationBlock block = BaseRelocationBlock.read(pe.file(), p, start + dir.size());
            block.write(b);
            blocks.add(block);
            relocations.addAll(block.relocations());
            p += block.sizeOfBlock();
        }
        assertArrayEquals(pe.file().bytes("reloc", start, expectedSize), b.toByteArray());
        assertEquals(pe.baseRelocations(), relocations);
        return blocks;
    }
}
