package r2rlab.format.r2r;

import r2rlab.format.ByteReader;
import r2rlab.format.metadata.MetadataFixtures;
import r2rlab.format.pe.CorHeader;
import r2rlab.format.pe.DataDirectory;
import r2rlab.format.pe.PeImage;

/** A fixture image opened down to its READYTORUN_HEADER, for tests that read its tables in place. */
final class R2RFixture {
    /** x64, R2R 18.5 (.NET 11 preview 4). */
    static final String ZIPFILE_X64 = "r2r-net11-async/System.IO.Compression.ZipFile.dll";
    /** ARM64 Linux, R2R 16.0. */
    static final String ZIPFILE_ARM64 = "r2r/ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll";
    /** x64, R2R 2.2: its import sections with EntrySize 0. */
    static final String BINSKIM_X64 = "r2r/binskim__Binskim.win-x64.RTR__AMD64-Windows__r2r2.2.dll";

    final PeImage pe;
    final ByteReader file;
    final long headerOffset;
    final ReadyToRunHeader header;

    R2RFixture(String relative) {
        pe = PeImage.read(MetadataFixtures.bytes(MetadataFixtures.fixture(relative)));
        file = pe.file();
        DataDirectory cli = pe.dataDirectory(DataDirectory.COM_DESCRIPTOR);
        CorHeader cor = CorHeader.read(file, pe.rvaToOffset("cor", cli.rva(), CorHeader.SIZE));
        headerOffset = pe.rvaToOffset("header", cor.managedNativeHeader().rva(), ReadyToRunHeader.SIZE);
        header = ReadyToRunHeader.read(file, headerOffset);
    }

    ReadyToRunHeader.Section section(ReadyToRunSectionType type) {
        for (ReadyToRunHeader.Section s : header.sections()) {
            if (s.type() == type.id) {
                return s;
            }
        }
        throw new AssertionError("no section " + type);
    }

    long sectionOffset(ReadyToRunSectionType type) {
        ReadyToRunHeader.Section s = section(type);
        return pe.rvaToOffset("section", s.rva(), s.size());
    }

    byte[] bytes(long offset, int size) {
        return file.bytes("fixture", offset, size);
    }
}
