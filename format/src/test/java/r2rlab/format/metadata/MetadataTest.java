package r2rlab.format.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static r2rlab.format.metadata.MetadataTable.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * Expected names, flags and counts were taken from {@code monodis --typedef/--typeref/--method/
 * --memberref/--module/--nested} (Debian mono-utils 6.8) on the fixtures; monodis writes nested
 * types as Outer/Inner where this reader writes Outer+Inner.
 */
class MetadataTest {
    private static final String HELLO = "r2r/asmresolver__HelloWorld.ReadyToRun__AMD64-Windows__r2r5.4.dll";
    private static final String ZIPFILE = "r2r-net11-async/System.IO.Compression.ZipFile.dll";
    private static final String CRYPTO = "r2r-net11-async/System.Security.Cryptography.dll";

    private static Metadata open(String relative) {
        return MetadataFixtures.read(MetadataFixtures.bytes(MetadataFixtures.fixture(relative)));
    }

    /** Reads and names every row of the naming tables; returns {typeDefs, typeRefs, methodDefs, memberRefs, async}. */
    private static long[] nameEverything(Metadata md) {
        for (int rid = 1; rid <= md.rowCount(TYPEDEF); rid++) {
            assertNotEquals("", md.typeDefName(rid));
            md.typeDef(rid);
        }
        for (int rid = 1; rid <= md.rowCount(TYPEREF); rid++) {
            assertNotEquals("", md.typeRefName(rid));
            md.typeRef(rid);
        }
        long async = 0;
        for (int rid = 1; rid <= md.rowCount(METHODDEF); rid++) {
            assertNotEquals(0, md.methodDefOwner(rid), "MethodDef " + rid + " has an owner");
            assertTrue(md.methodDefName(rid).contains("."));
            MethodDef m = md.methodDef(rid);
            assertEquals(m.implFlags(), md.methodImplFlags(rid));
            if ((md.methodImplFlags(rid) & MethodImplAttributes.ASYNC) != 0) {
                async++;
            }
        }
        for (int rid = 1; rid <= md.rowCount(MEMBERREF); rid++) {
            assertTrue(md.memberRefName(rid).contains("."));
            md.memberRef(rid);
        }
        for (int rid = 1; rid <= md.rowCount(TYPESPEC); rid++) {
            assertNotEquals("", md.typeSpecName(rid));
        }
        for (int rid = 1; rid <= md.rowCount(METHODSPEC); rid++) {
            assertTrue(md.methodSpecName(rid).endsWith(">"));
        }
        for (int rid = 1; rid <= md.rowCount(ASSEMBLYREF); rid++) {
            assertNotEquals("", md.assemblyRefName(rid));
        }
        for (int rid = 1; rid <= md.rowCount(MODULEREF); rid++) {
            md.moduleRefName(rid);
        }
        return new long[] {md.rowCount(TYPEDEF), md.rowCount(TYPEREF), md.rowCount(METHODDEF), md.rowCount(MEMBERREF), async};
    }

    @Test
    void namesEveryRowOfAllFixtures() {
        List<Path> images = MetadataFixtures.allImages();
        assertEquals(49, images.size());
        long[] total = new long[5];
        long asyncInNet11 = 0;
        for (Path image : images) {
            Metadata md;
            long[] counts;
            try {
                md = MetadataFixtures.read(MetadataFixtures.bytes(image));
                counts = nameEverything(md);
            } catch (RuntimeException e) {
                throw new AssertionError(image.getFileName() + ": " + e, e);
            }
            assertEquals("v4.0.30319", md.versionString(), image.toString());
            assertEquals("#~", md.tableStreamName());
            for (int i = 0; i < total.length; i++) {
                total[i] += counts[i];
            }
            if (image.getParent().getFileName().toString().equals("r2r-net11-async")) {
                asyncInNet11 += counts[4];
            }
        }
        // Sums over the 49 images; the row counts agree with monodis' tables.
        assertArrayEquals(new long[] {3993, 7194, 38725, 19841, 443}, total);
        assertEquals(431, asyncInNet11);
    }

    @Test
    void helloWorld() {
        Metadata md = open(HELLO);
        assertEquals(1, md.rowCount(MODULE));
        assertEquals(15, md.rowCount(TYPEREF));
        assertEquals(2, md.rowCount(TYPEDEF));
        assertEquals(2, md.rowCount(METHODDEF));
        assertEquals(14, md.rowCount(MEMBERREF));
        assertEquals(2, md.rowCount(ASSEMBLYREF));
        assertEquals(0, md.rowCount(TYPESPEC));
        assertEquals(0, md.heapSizes());
        assertEquals(List.of("#~", "#Strings", "#US", "#GUID", "#Blob"),
                md.streams().stream().map(MetadataStream::name).toList());
        assertEquals("HelloWorld.dll", md.moduleName());
        assertEquals(UUID.fromString("79272AF3-4C9E-4847-B6FE-06C237F0ECC0"), md.moduleMvid());
        assertEquals("HelloWorld", md.assemblyName());

        assertEquals("<Module>", md.typeDefName(1));
        assertEquals("HelloWorld.Program", md.typeDefName(2));
        TypeDef program = md.typeDef(2);
        assertEquals(0x100001, program.flags());
        assertEquals("Program", program.name());
        assertEquals("HelloWorld", program.namespace());
        assertEquals(0x0100000E, program.extendsToken()); // monodis: extends=0x39, TypeRef 14
        assertEquals("System.Object", md.typeDefOrRefName(program.extendsToken()));
        assertEquals(1, program.fieldList());
        assertEquals(1, program.methodList());
        assertEquals(0x39, md.column(TYPEDEF, 2, 3));

        assertEquals("System.Runtime.CompilerServices.CompilationRelaxationsAttribute", md.typeRefName(1));
        assertEquals("System.Diagnostics.DebuggableAttribute+DebuggingModes", md.typeRefName(4));
        assertEquals(0x01000003, md.typeRef(4).resolutionScope());
        assertEquals(token(ASSEMBLYREF, 1), md.typeRef(1).resolutionScope());
        assertEquals("System.Console", md.typeRefName(15));
        assertEquals("System.Runtime", md.assemblyRefName(1));
        assertEquals("System.Console", md.assemblyRefName(2));

        MethodDef main = md.methodDef(1);
        assertEquals("Main", main.name());
        assertEquals(0x95A4, main.rva());
        assertEquals(0, main.implFlags());
        assertEquals(0x91, main.flags());
        assertEquals(1, main.paramList());
        // default void Main (string[] args)
        assertArrayEquals(new byte[] {0x00, 0x01, 0x01, 0x1D, 0x0E}, main.signature());
        assertEquals("HelloWorld.Program.Main", md.methodDefName(1));
        assertEquals("HelloWorld.Program..ctor", md.methodDefName(2));
        assertEquals(2, md.methodDefParamList(2));
        assertEquals(0x95B0, md.methodRva(2));
        assertEquals(2, md.methodDefOwner(1));
        assertEquals(2, md.methodDefOwner(2));

        assertEquals("System.Runtime.CompilerServices.CompilationRelaxationsAttribute..ctor", md.memberRefName(1));
        assertEquals("System.Console.WriteLine", md.memberRefName(13));
        assertEquals("System.Object..ctor", md.memberRefName(14));
        MemberRef writeLine = md.memberRef(13);
        assertEquals(0x0100000F, writeLine.parent());
        assertEquals("WriteLine", writeLine.name());
        assertEquals("System.Console.WriteLine", md.methodDefOrRefName(writeLine.token()));
    }

    @Test
    void zipFileWithRuntimeAsync() {
        Metadata md = open(ZIPFILE);
        assertEquals(11, md.rowCount(TYPEDEF));
        assertEquals(103, md.rowCount(TYPEREF));
        assertEquals(94, md.rowCount(METHODDEF));
        assertEquals(184, md.rowCount(MEMBERREF));
        assertEquals(3, md.rowCount(NESTEDCLASS));
        assertEquals("System.IO.Compression.ZipFile", md.assemblyName());

        assertEquals("FxResources.System.IO.Compression.ZipFile.SR", md.typeDefName(2));
        assertEquals("System.IO.ArchivingUtils+<>c", md.typeDefName(5));
        assertEquals(4, md.enclosingTypeDef(5));
        assertEquals(0, md.enclosingTypeDef(4));
        assertEquals("", md.typeDef(5).namespace());
        assertEquals("System.IO.Compression.ZipFile+CreateEntryType", md.typeDefName(8));
        assertEquals("System.IO.Compression.ZipFile+<>c", md.typeDefName(9));
        assertEquals(0x102103, md.typeDef(9).flags());
        assertEquals(70, md.typeDef(9).methodList());
        assertEquals("<PrivateImplementationDetails>", md.typeDefName(11));

        assertEquals("System.SR.GetUsingResourceKeysSwitchValue", md.methodDefName(1));
        assertEquals("System.IO.ArchivingUtils+<>c..cctor", md.methodDefName(18));
        assertEquals("System.IO.Compression.ZipFile.CreateFromDirectory", md.methodDefName(27));
        assertEquals(21, md.methodDefParamList(27));
        assertEquals(0, md.methodImplFlags(27));
        assertEquals("System.IO.Compression.ZipFile.ExtractToDirectory", md.methodDefName(53));
        assertEquals("<PrivateImplementationDetails>.InlineArrayElementRef", md.methodDefName(94));
        assertEquals(11, md.methodDefOwner(94));

        List<Integer> async = new ArrayList<>();
        for (int rid = 1; rid <= md.rowCount(METHODDEF); rid++) {
            if ((md.methodImplFlags(rid) & MethodImplAttributes.ASYNC) != 0) {
                async.add(rid);
            }
        }
        assertEquals(List.of(43, 50, 51, 52, 64, 68, 79, 83, 91, 92), async);
        assertEquals(0x2000, md.methodImplFlags(43));
        assertTrue(md.methodDef(43).isAsync());
        assertEquals("System.IO.Compression.ZipFile.OpenAsync", md.methodDefName(43));
        assertEquals("System.IO.Compression.ZipFileExtensions.ExtractToFileAsync", md.methodDefName(91));

        assertEquals("System.IO.Enumeration.FileSystemEnumerable`1+FindTransform"
                + "<System.ValueTuple`2<System.String,System.IO.Compression.ZipFile+CreateEntryType>>", md.typeSpecName(19));
        assertEquals("System.Collections.Generic.IEnumerable`1<System.String>.GetEnumerator", md.memberRefName(8));
        assertEquals("System.Collections.Generic.IEnumerable`1<System.String>",
                md.typeDefOrRefName(md.memberRef(8).parent()));
        assertEquals("System.Runtime.CompilerServices.AsyncHelpers.Await<System.IO.Compression.ZipArchive>",
                md.methodSpecName(9));
        assertEquals("System.Runtime.CompilerServices.Unsafe.As<!!0,!!1>", md.methodSpecName(13));
        assertEquals(MEMBERREF, table(md.methodSpec(9).method()));
    }

    @Test
    void wideHeapIndexes() {
        Metadata md = open(CRYPTO);
        assertEquals(0x05, md.heapSizes()); // wide #Strings and #Blob indexes
        assertEquals(4, md.columnWidth(TYPEDEF, 1));
        assertEquals(2, md.columnWidth(TYPEDEF, 5));
        assertEquals(773, md.rowCount(TYPEDEF));
        assertEquals(6532, md.rowCount(METHODDEF));
        assertEquals("Interop+Advapi32", md.typeDefName(3));
        assertEquals("System.Security.Cryptography.RSAPKCS1KeyExchangeDeformatter", md.typeDefName(400));
        assertEquals(0x3CC, md.column(TYPEDEF, 400, 3));
        assertEquals("<PrivateImplementationDetails>+__StaticArrayInitTypeSize=256", md.typeDefName(773));
        assertEquals("System.Runtime.CompilerServices.SkipLocalsInitAttribute", md.typeRefName(288));
    }

    @Test
    void codedIndexWidthsFollowRowCounts() {
        Metadata md = open(CRYPTO);
        // HasCustomAttribute has 5 tag bits: 2 bytes only while every table it names has < 2^11 rows.
        assertEquals(6532, md.rowCount(METHODDEF), "at least 1 << 11 rows");
        assertEquals(4, md.columnWidth(CUSTOMATTRIBUTE, 0));
        // TypeDefOrRef (2 tag bits) stays 2 bytes below 2^14 rows.
        assertEquals(2, md.columnWidth(TYPEDEF, 3));
        Metadata hello = open(HELLO);
        assertEquals(2, hello.columnWidth(CUSTOMATTRIBUTE, 0));
        assertEquals(6, hello.rowSize(CUSTOMATTRIBUTE));
        assertEquals(14, hello.rowSize(TYPEDEF));
        assertEquals(22, hello.rowSize(ASSEMBLY));
    }

    // ------------------------------------------------------------------ corruption

    private record Image(byte[] bytes, long mdOffset, int mdSize, Metadata md) {
        static Image load(String relative) {
            byte[] bytes = MetadataFixtures.bytes(MetadataFixtures.fixture(relative));
            MetadataFixtures.Location l = MetadataFixtures.locate(bytes);
            return new Image(bytes, l.fileOffset(), l.size(), Metadata.read(new ByteReader(bytes), l.fileOffset(), l.size()));
        }

        byte[] copy() {
            return bytes.clone();
        }

        Metadata read(byte[] changed) {
            return Metadata.read(new ByteReader(changed), mdOffset, mdSize);
        }

        MetadataStream stream(String name) {
            return md.streams().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        }

        long rowCountOffset(int table) {
            long valid = md.validMask();
            return stream("#~").fileOffset() + 24 + 4L * Long.bitCount(valid & ((1L << table) - 1));
        }
    }

    private static void put16(byte[] b, long at, int v) {
        b[(int) at] = (byte) v;
        b[(int) at + 1] = (byte) (v >> 8);
    }

    private static void put32(byte[] b, long at, int v) {
        put16(b, at, v);
        put16(b, at + 2, v >>> 16);
    }

    @Test
    void badSignature() {
        Image img = Image.load(HELLO);
        byte[] b = img.copy();
        b[(int) img.mdOffset()] = 'X';
        FormatException e = assertThrows(FormatException.class, () -> img.read(b));
        assertEquals("Metadata root", e.structure());
        assertEquals(img.mdOffset(), e.fileOffset());
        assertTrue(e.getMessage().contains("BSJB"), e.getMessage());
    }

    @Test
    void truncatedFileAndMetadata() {
        Image img = Image.load(HELLO);
        byte[] cut = Arrays.copyOf(img.bytes(), (int) img.mdOffset() + 100);
        FormatException e = assertThrows(FormatException.class, () -> img.read(cut));
        assertEquals("Metadata root", e.structure());
        assertEquals(img.mdOffset(), e.fileOffset());

        // A metadata size that ends inside the stream headers / streams.
        for (int size : new int[] {0, 19, 40, 100, 300, img.mdSize() - 1}) {
            FormatException f = assertThrows(FormatException.class,
                    () -> Metadata.read(new ByteReader(img.bytes()), img.mdOffset(), size), "size " + size);
            assertTrue(f.fileOffset() >= img.mdOffset() && f.fileOffset() < img.mdOffset() + img.mdSize(), f.getMessage());
            assertTrue(f.structure().startsWith("Metadata"), f.structure());
        }
        FormatException g = assertThrows(FormatException.class,
                () -> Metadata.read(new ByteReader(img.bytes()), img.mdOffset(), 300));
        assertEquals("Metadata stream header[0] \"#~\"", g.structure());
        assertEquals(img.mdOffset() + 32, g.fileOffset()); // after the 12-byte version string "v4.0.30319"
    }

    @Test
    void streamOutsideMetadata() {
        Image img = Image.load(HELLO);
        byte[] b = img.copy();
        // Stream header 4 (#Blob): grow its size past the metadata.
        long header = img.mdOffset() + 32;
        for (int i = 0; i < 4; i++) {
            int nameLength = img.md().streams().get(i).name().length();
            header += 8 + ((nameLength + 1 + 3) & ~3);
        }
        put32(b, header + 4, 0x10000);
        FormatException e = assertThrows(FormatException.class, () -> img.read(b));
        assertEquals("Metadata stream header[4] \"#Blob\"", e.structure());
        assertEquals(header, e.fileOffset());
    }

    @Test
    void hugeRowCounts() {
        Image img = Image.load(HELLO);
        long at = img.rowCountOffset(METHODDEF);
        byte[] b = img.copy();
        put32(b, at, 0x00FFFFFF);
        FormatException e = assertThrows(FormatException.class, () -> img.read(b));
        assertEquals("Metadata #~ row count of table MethodDef", e.structure());
        assertEquals(at, e.fileOffset());
        assertTrue(e.getMessage().contains("run past the end of the #~ stream"), e.getMessage());

        put32(b, at, 0x7FFFFFFF);
        e = assertThrows(FormatException.class, () -> img.read(b));
        assertEquals(at, e.fileOffset());
        assertTrue(e.getMessage().contains("24-bit"), e.getMessage());

        // 0x10000 TypeRefs make coded indexes wide, so the tables no longer fit: still a clean error.
        byte[] c = img.copy();
        long typeRefs = img.rowCountOffset(TYPEREF);
        put32(c, typeRefs, 0x10000);
        e = assertThrows(FormatException.class, () -> img.read(c));
        assertEquals("Metadata #~ row count of table TypeRef", e.structure());
        assertEquals(typeRefs, e.fileOffset());
    }

    @Test
    void unknownTableWithRows() {
        Image img = Image.load(HELLO);
        byte[] b = img.copy();
        long valid = img.stream("#~").fileOffset() + 8;
        b[(int) valid + 7] |= (byte) 0x80; // table 0x3F: its row count is read from the first bytes of the Module row
        FormatException e = assertThrows(FormatException.class, () -> img.read(b));
        assertEquals("Metadata #~ row count of table Table0x3F", e.structure());
        assertTrue(e.getMessage().contains("not an ECMA-335 table"), e.getMessage());
    }

    @Test
    void heapIndexOutOfRange() {
        Image img = Image.load(HELLO);
        byte[] b = img.copy();
        long cell = img.md().cellFileOffset(TYPEDEF, 2, 1);
        put16(b, cell, 0xFFFF);
        Metadata md = img.read(b);
        FormatException e = assertThrows(FormatException.class, () -> md.typeDefName(2));
        assertEquals("Metadata #~ table TypeDef row 2", e.structure());
        assertEquals(cell, e.fileOffset());
        assertTrue(e.getMessage().contains("#Strings index 0xffff"), e.getMessage());
        assertEquals("<Module>", md.typeDefName(1));

        FormatException s = assertThrows(FormatException.class, () -> md.string(0x7FFFFFFF));
        assertEquals("Metadata #Strings", s.structure());
        assertThrows(FormatException.class, () -> md.blob(0x10000));
        assertThrows(FormatException.class, () -> md.userString(0x10000));
        assertThrows(FormatException.class, () -> md.guid(2));

        // Row ids beyond a table.
        FormatException r = assertThrows(FormatException.class, () -> md.methodDefName(3));
        assertEquals("Metadata #~ table MethodDef", r.structure());
        assertThrows(FormatException.class, () -> md.typeRefName(0));
    }

    @Test
    void missingNulAndOverlongBlob() {
        Image img = Image.load(HELLO);
        MetadataStream strings = img.stream("#Strings");
        MetadataStream blobs = img.stream("#Blob");
        byte[] b = img.copy();
        b[(int) (strings.fileOffset() + strings.size() - 1)] = 'A';
        long nameCell = img.md().cellFileOffset(TYPEDEF, 2, 1);
        put16(b, nameCell, strings.size() - 1);
        b[(int) (blobs.fileOffset() + blobs.size() - 1)] = 0x7F; // a 127-byte blob at the last byte
        long sigCell = img.md().cellFileOffset(METHODDEF, 1, 4);
        put16(b, sigCell, blobs.size() - 1);
        Metadata md = img.read(b);

        FormatException e = assertThrows(FormatException.class, () -> md.typeDefName(2));
        assertEquals("Metadata #~ table TypeDef row 2", e.structure());
        assertEquals(nameCell, e.fileOffset());
        assertTrue(e.getMessage().contains("no terminating NUL"), e.getMessage());

        e = assertThrows(FormatException.class, () -> md.methodDef(1));
        assertEquals("Metadata #~ table MethodDef row 1", e.structure());
        assertEquals(sigCell, e.fileOffset());
        assertTrue(e.getMessage().contains("runs past the end of the heap"), e.getMessage());
    }

    @Test
    void nestingCycles() {
        Image img = Image.load(ZIPFILE);
        Metadata original = img.md();
        // NestedClass row 1: 5 in 4. Make row 2 say 4 in 5.
        assertEquals(5, original.column(NESTEDCLASS, 1, 0));
        assertEquals(4, original.column(NESTEDCLASS, 1, 1));
        byte[] b = img.copy();
        put16(b, original.cellFileOffset(NESTEDCLASS, 2, 0), 4);
        put16(b, original.cellFileOffset(NESTEDCLASS, 2, 1), 5);
        Metadata md = img.read(b);
        FormatException e = assertThrows(FormatException.class, () -> md.typeDefName(5));
        assertTrue(e.structure().startsWith("Metadata #~ table NestedClass row "), e.structure());
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
        assertThrows(FormatException.class, () -> md.typeDefName(4));

        byte[] self = img.copy();
        put16(self, original.cellFileOffset(NESTEDCLASS, 1, 1), 5);
        Metadata selfMd = img.read(self);
        e = assertThrows(FormatException.class, () -> selfMd.typeDefName(5));
        assertEquals("Metadata #~ table NestedClass row 1", e.structure());
        assertEquals(original.cellFileOffset(NESTEDCLASS, 1, 1), e.fileOffset());

        Image hello = Image.load(HELLO);
        byte[] h = hello.copy();
        // TypeRef 4 (DebuggingModes) is scoped by TypeRef 3; point TypeRef 3 back at TypeRef 4.
        put16(h, hello.md().cellFileOffset(TYPEREF, 3, 0), 4 << 2 | 3);
        Metadata hm = hello.read(h);
        e = assertThrows(FormatException.class, () -> hm.typeRefName(4));
        assertTrue(e.structure().startsWith("Metadata #~ table TypeRef row "), e.structure());
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
        assertEquals("System.Console", hm.typeRefName(15));
    }

    /** Random byte damage in the metadata must only ever produce FormatException. */
    @Test
    void fuzzedMetadataFailsCleanly() {
        for (String fixture : new String[] {HELLO, ZIPFILE}) {
            Image img = Image.load(fixture);
            Random random = new Random(0x5EED);
            int iterations = fixture.equals(HELLO) ? 3000 : 600;
            int formatErrors = 0;
            for (int i = 0; i < iterations; i++) {
                byte[] b = img.copy();
                int damage = 1 + random.nextInt(4);
                for (int d = 0; d < damage; d++) {
                    int at = (int) img.mdOffset() + random.nextInt(img.mdSize());
                    b[at] = (byte) (random.nextInt(3) == 0 ? 0xFF : random.nextInt(256));
                }
                try {
                    nameEverythingLoosely(img.read(b));
                } catch (FormatException e) {
                    formatErrors++;
                } catch (RuntimeException | StackOverflowError e) {
                    fail(fixture + " iteration " + i + ": " + e, e);
                }
            }
            assertTrue(formatErrors > 0);
        }
    }

    private static void nameEverythingLoosely(Metadata md) {
        for (int rid = 1; rid <= md.rowCount(TYPEDEF); rid++) {
            md.typeDefName(rid);
            md.typeDef(rid);
        }
        for (int rid = 1; rid <= md.rowCount(TYPEREF); rid++) {
            md.typeRefName(rid);
        }
        for (int rid = 1; rid <= md.rowCount(METHODDEF); rid++) {
            md.methodDefName(rid);
            md.methodDef(rid);
        }
        for (int rid = 1; rid <= md.rowCount(MEMBERREF); rid++) {
            md.memberRefName(rid);
        }
        for (int rid = 1; rid <= md.rowCount(TYPESPEC); rid++) {
            md.typeSpecName(rid);
        }
        for (int rid = 1; rid <= md.rowCount(METHODSPEC); rid++) {
            md.methodSpecName(rid);
        }
        md.moduleName();
        md.moduleMvid();
    }
}
