package r2rlab.format.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.format.metadata.MetadataTable.*;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.SignatureType.Array;
import r2rlab.format.metadata.SignatureType.ByRef;
import r2rlab.format.metadata.SignatureType.FnPtr;
import r2rlab.format.metadata.SignatureType.GenericInst;
import r2rlab.format.metadata.SignatureType.GenericParam;
import r2rlab.format.metadata.SignatureType.Modified;
import r2rlab.format.metadata.SignatureType.Primitive;
import r2rlab.format.metadata.SignatureType.SzArray;
import r2rlab.format.metadata.SignatureType.TypeDefOrRef;
import r2rlab.format.r2r.CorElementType;

/** Expected bytes are written out by hand from ECMA-335 II.23.2, or read from a crossgen2 fixture. */
class SignatureCodecTest {
    private static final String ZIPFILE = "r2r-net11-async/System.IO.Compression.ZipFile.dll";
    private static final Primitive I4 = new Primitive(CorElementType.I4);
    private static final GenericParam MVAR0 = new GenericParam(CorElementType.MVAR, 0);

    private static byte[] b(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static SignatureCodec reading(byte[] bytes) {
        return SignatureCodec.reading(new SignatureReader(new ByteReader(bytes), 0, bytes.length, "Sig"));
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytes) {
            sb.append(String.format("%02X ", x & 0xFF));
        }
        return sb.toString().trim();
    }

    @Test
    void methodSignatureWrittenThenRead() {
        // instance !!0 M<T>(int32, class TypeRef 3, TypeRef 0x21<!!0>[], int32&, int32[3,] with lower bound -1)
        MethodSignature sig = new MethodSignature(CallingConvention.HASTHIS | CallingConvention.GENERIC, 1, MVAR0,
                List.of(I4,
                        new TypeDefOrRef(CorElementType.CLASS, token(TYPEREF, 3)),
                        new SzArray(new GenericInst(new TypeDefOrRef(CorElementType.CLASS, token(TYPEREF, 0x21)),
                                List.of(MVAR0))),
                        new ByRef(I4),
                        new Array(I4, 2, List.of(3), List.of(-1))),
                MethodSignature.NO_SENTINEL);
        byte[] expected = b(0x30, 0x01, 0x05, 0x1E, 0x00,
                0x08,
                0x12, 0x0D,
                0x1D, 0x15, 0x12, 0x80, 0x85, 0x01, 0x1E, 0x00,
                0x10, 0x08,
                0x14, 0x08, 0x02, 0x01, 0x03, 0x01, 0x7F);
        assertEquals(hex(expected), hex(SignatureCodec.encode(sig)));
        SignatureReader r = new SignatureReader(new ByteReader(expected), 0, expected.length, "Sig");
        assertEquals(sig, SignatureCodec.reading(r).methodSignature());
        assertEquals(expected.length, r.position());
    }

    @Test
    void varargFunctionPointerAndModifiers() {
        // vararg void (int32, ..., float64) as a function pointer, and modreq(TypeRef 1) int32
        MethodSignature vararg = new MethodSignature(CallingConvention.VARARG, 0, new Primitive(CorElementType.VOID),
                List.of(I4, new Primitive(CorElementType.R8)), 1);
        SignatureType fnptr = new FnPtr(vararg);
        byte[] fnptrBytes = b(0x1B, 0x05, 0x02, 0x01, 0x08, 0x41, 0x0D);
        assertArrayEquals(fnptrBytes, SignatureCodec.encode(fnptr));
        assertEquals(fnptr, reading(fnptrBytes).type());

        SignatureType modreq = new Modified(CorElementType.CMOD_REQD, token(TYPEREF, 1), I4);
        assertArrayEquals(b(0x1F, 0x05, 0x08), SignatureCodec.encode(modreq));
        assertEquals(modreq, reading(b(0x1F, 0x05, 0x08)).type());

        assertEquals(List.of(I4, MVAR0), reading(b(0x0A, 0x02, 0x08, 0x1E, 0x00)).methodInstantiation());
        assertEquals(I4, reading(b(0x06, 0x08)).fieldSignature());
    }

    @Test
    void malformedSignaturesFailAtTheOffendingByte() {
        assertError(b(0x12, 0x03), 1, "tag 3"); // TypeDefOrRefOrSpecEncoded tag 3
        assertError(b(0x12, 0x01), 1, "TypeRef row 0");
        assertError(b(0x3E), 0, "element type 0x3E is not valid");
        assertError(b(0x14, 0x08, 0x00, 0x00, 0x00), 2, "array rank 0");
        assertError(b(0x15, 0x12, 0x05, 0x00), 3, "no arguments");
        assertError(b(0x15, 0x12, 0x05, 0x03, 0x08), 3, "generic argument count 3 exceeds the 1 bytes left");
        byte[] deep = new byte[SignatureCodec.MAX_DEPTH + 2];
        Arrays.fill(deep, (byte) CorElementType.SZARRAY);
        deep[deep.length - 1] = (byte) CorElementType.I4;
        assertError(deep, SignatureCodec.MAX_DEPTH + 1, "nests deeper than 64 levels");
        byte[] twoSentinels = b(0x00, 0x02, 0x01, 0x41, 0x08, 0x41, 0x08);
        FormatException e = assertThrows(FormatException.class, () -> reading(twoSentinels).methodSignature());
        assertEquals(5, e.fileOffset());
        assertTrue(e.getMessage().contains("second SENTINEL"), e.getMessage());

        // With row counts, a row past its table is rejected too.
        byte[] typeRef9 = b(0x12, 0x25);
        SignatureReader r = new SignatureReader(new ByteReader(typeRef9), 0, typeRef9.length, "Sig");
        FormatException rows = assertThrows(FormatException.class,
                () -> SignatureCodec.reading(r, table -> table == TYPEREF ? 8 : 0).type());
        assertEquals(1, rows.fileOffset());
        assertTrue(rows.getMessage().contains("TypeRef row 9 but that table has 8 rows"), rows.getMessage());
        assertEquals(new TypeDefOrRef(CorElementType.CLASS, token(TYPEREF, 9)), reading(typeRef9).type());
    }

    private static void assertError(byte[] bytes, long offset, String message) {
        FormatException e = assertThrows(FormatException.class, () -> reading(bytes).type());
        assertEquals("Sig", e.structure());
        assertEquals(offset, e.fileOffset(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** A generic method of a real image: {@code ReadOnlySpan<!!1> InlineArrayAsReadOnlySpan<,>(ref !!0, int32)}. */
    @Test
    void fixtureGenericMethodSignature() {
        Metadata md = MetadataFixtures.read(MetadataFixtures.bytes(MetadataFixtures.fixture(ZIPFILE)));
        assertEquals("<PrivateImplementationDetails>.InlineArrayAsReadOnlySpan", md.methodDefName(93));
        byte[] blob = md.methodDef(93).signature();
        assertEquals("10 02 02 15 11 1D 01 1E 01 10 1E 00 08", hex(blob));
        MethodSignature expected = new MethodSignature(CallingConvention.GENERIC, 2,
                new GenericInst(new TypeDefOrRef(CorElementType.VALUETYPE, token(TYPEREF, 7)),
                        List.of(new GenericParam(CorElementType.MVAR, 1))),
                List.of(new ByRef(MVAR0), I4), MethodSignature.NO_SENTINEL);
        MethodSignature decoded = md.methodDefSignature(93);
        assertEquals(expected, decoded);
        assertEquals("System.ReadOnlySpan`1", md.typeRefName(7));
        assertArrayEquals(blob, SignatureCodec.encode(decoded));
    }

    /** A runtime-async method: {@code Task<ZipArchiveEntry> DoCreateEntryFromFileAsync(...)}, two-byte coded tokens. */
    @Test
    void fixtureAsyncMethodSignature() {
        Metadata md = MetadataFixtures.read(MetadataFixtures.bytes(MetadataFixtures.fixture(ZIPFILE)));
        assertEquals("System.IO.Compression.ZipFileExtensions.DoCreateEntryFromFileAsync", md.methodDefName(79));
        assertEquals(MethodImplAttributes.ASYNC, md.methodImplFlags(79));
        byte[] blob = md.methodDef(79).signature();
        assertEquals("00 05 15 12 80 D1 01 12 80 A1 12 75 0E 0E 15 11 80 8D 01 11 80 91 11 80 D5", hex(blob));
        MethodSignature expected = new MethodSignature(CallingConvention.DEFAULT,
                new GenericInst(new TypeDefOrRef(CorElementType.CLASS, token(TYPEREF, 0x34)),
                        List.of(new TypeDefOrRef(CorElementType.CLASS, token(TYPEREF, 0x28)))),
                List.of(new TypeDefOrRef(CorElementType.CLASS, token(TYPEREF, 0x1D)),
                        new Primitive(CorElementType.STRING),
                        new Primitive(CorElementType.STRING),
                        new GenericInst(new TypeDefOrRef(CorElementType.VALUETYPE, token(TYPEREF, 0x23)),
                                List.of(new TypeDefOrRef(CorElementType.VALUETYPE, token(TYPEREF, 0x24)))),
                        new TypeDefOrRef(CorElementType.VALUETYPE, token(TYPEREF, 0x35))));
        assertEquals(expected, md.methodDefSignature(79));
        assertEquals("System.Threading.Tasks.Task`1", md.typeRefName(0x34));
        assertEquals("System.Threading.CancellationToken", md.typeRefName(0x35));
        assertArrayEquals(blob, SignatureCodec.encode(md.methodDefSignature(79)));
    }

    /**
     * Every MethodDef, MemberRef, TypeSpec and MethodSpec signature of every fixture decodes and
     * encodes back to its blob's bytes (so the decoder also stopped exactly at the blob's end).
     */
    @Test
    void everyFixtureSignatureRoundTrips() {
        long signatures = 0;
        for (Path image : MetadataFixtures.allImages()) {
            Metadata md = MetadataFixtures.read(MetadataFixtures.bytes(image));
            for (int rid = 1; rid <= md.rowCount(METHODDEF); rid++) {
                assertArrayEquals(md.methodDef(rid).signature(), SignatureCodec.encode(md.methodDefSignature(rid)),
                        image + " MethodDef " + rid);
                signatures++;
            }
            for (int rid = 1; rid <= md.rowCount(MEMBERREF); rid++) {
                MemberRef m = md.memberRef(rid);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                if (m.isField()) {
                    SignatureCodec.writeField(out, codec(md, m.signature()).fieldSignature());
                } else {
                    SignatureCodec.write(out, codec(md, m.signature()).methodSignature());
                }
                assertArrayEquals(m.signature(), out.toByteArray(), image + " MemberRef " + rid);
                signatures++;
            }
            for (int rid = 1; rid <= md.rowCount(TYPESPEC); rid++) {
                assertArrayEquals(md.typeSpec(rid).signature(), SignatureCodec.encode(md.typeSpecSignature(rid)),
                        image + " TypeSpec " + rid);
                signatures++;
            }
            for (int rid = 1; rid <= md.rowCount(METHODSPEC); rid++) {
                byte[] blob = md.methodSpec(rid).instantiation();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                SignatureCodec.writeMethodInstantiation(out, codec(md, blob).methodInstantiation());
                assertArrayEquals(blob, out.toByteArray(), image + " MethodSpec " + rid);
                signatures++;
            }
        }
        assertTrue(signatures > 60000, "signatures: " + signatures);
    }

    private static SignatureCodec codec(Metadata md, byte[] blob) {
        return SignatureCodec.reading(new SignatureReader(new ByteReader(blob), 0, blob.length, "test"), md::rowCount);
    }
}
