package r2rlab.format.pe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** PeWriter and PeImage mirror each other; layouts follow the fixtures' rules. */
class PeWriterTest {
    private static byte[] image(TargetOs os, PeWriter[] out) {
        PeWriter w = new PeWriter(os.encode(Machine.ARM64), os, 0x180000000L, 0x12345678);
        PeWriter.Section text = w.addSection(".text", 0x60000020L, 0x1234);
        PeWriter.Section data = w.addSection(".data", 0xC0000040L, 0x10);
        w.layout();
        w.setData(text, new byte[0x1234]);
        w.setData(data, new byte[0x10]);
        w.setDirectory(DataDirectory.COM_DESCRIPTOR, text.rva() + 8, 0x48);
        out[0] = w;
        return w.write();
    }

    @Test
    void windows_rvaEqualsFileOffset_0x1000() {
        PeWriter[] w = new PeWriter[1];
        PeImage pe = PeImage.read(image(TargetOs.WINDOWS, w));
        assertEquals(0xAA64, pe.rawMachine());
        assertEquals(TargetOs.WINDOWS, pe.os());
        assertEquals(0x1000, pe.fileAlignment());
        assertEquals(0x1000, pe.sections().get(0).virtualAddress());
        assertEquals(0x1000, pe.sections().get(0).pointerToRawData());
        assertEquals(0x3000, pe.sections().get(1).virtualAddress());
        assertEquals(0x3000, pe.sections().get(1).pointerToRawData());
        assertEquals(0x12345678, pe.timeDateStamp());
        assertEquals(0x2022, pe.characteristics());
        assertEquals(0x8160, pe.dllCharacteristics());
        assertEquals(w[0].sections().get(0).rva() + 8, pe.dataDirectory(DataDirectory.COM_DESCRIPTOR).rva());
    }

    @Test
    void linux_64KiBRule_asTheFixtures() {
        PeWriter[] w = new PeWriter[1];
        PeImage pe = PeImage.read(image(TargetOs.LINUX, w));
        assertEquals(0xD11D, pe.rawMachine());
        assertEquals(0x200, pe.fileAlignment());
        // First section: file offset 0x200 -> RVA 0x10200 (as the Linux fixtures).
        assertEquals(0x200, pe.sections().get(0).pointerToRawData());
        assertEquals(0x10200, pe.sections().get(0).virtualAddress());
        // Second: file offset 0x200 + 0x1400 raw bytes = 0x1600; RVA: the first ends at 0x11434 -> next
        // 64 KiB 0x20000, plus a 64 KiB gap, plus the file offset's low 16 bits.
        assertEquals(0x1600, pe.sections().get(1).pointerToRawData());
        assertEquals(0x31600, pe.sections().get(1).virtualAddress());
    }

    @Test
    void baseRelocationBlocks_roundTrip() {
        List<PeImage.BaseRelocation> relocs = List.of(new PeImage.BaseRelocation(0x2008, 10), new PeImage.BaseRelocation(0x2000, 10),
                new PeImage.BaseRelocation(0x5ff8, 10));
        byte[] blocks = PeWriter.baseRelocationBlocks(relocs);
        // Page 0x2000: 2 entries -> 8 + 4 = 12; page 0x5000: 1 entry padded to 2 -> 12.
        assertEquals(24, blocks.length);
        assertEquals(0x2000, blocks[0] & 0xFF | (blocks[1] & 0xFF) << 8);
        assertEquals(12, blocks[4]);
        assertEquals(0xA000, (blocks[8] & 0xFF) | (blocks[9] & 0xFF) << 8);
        assertEquals(0xA008, (blocks[10] & 0xFF) | (blocks[11] & 0xFF) << 8);
    }
}
