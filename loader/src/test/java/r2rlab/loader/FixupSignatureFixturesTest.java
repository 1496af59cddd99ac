package r2rlab.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import r2rlab.format.ByteReader;
import r2rlab.format.SignatureReader;
import r2rlab.format.pe.PeImage;
import r2rlab.format.r2r.FixupSignature;

/**
 * The typed fixup-signature codec against crossgen's own bytes: every signature of every cell of
 * the 49 fixture images, read through the format codec and written back, is byte-identical to the
 * image, and the payload shapes seen in them are counted exactly.
 */
class FixupSignatureFixturesTest {
    @Test
    void everyFixtureSignatureWritesBackByteIdentical() throws Exception {
        Map<String, Integer> shapes = new TreeMap<>();
        int signatures = 0;
        for (Path p : LoaderFixtures.all()) {
            R2RImage img = R2RImage.read(p);
            PeImage pe = img.pe();
            ByteReader file = pe.file();
            for (ImportSection s : img.importSections()) {
                for (ImportCell c : s.cells()) {
                    if (c.signature() == null) {
                        continue;
                    }
                    long offset = pe.rvaToOffset("signature", c.signatureRva(), 1);
                    SignatureReader r = new SignatureReader(file, offset, file.length(), "signature");
                    FixupSignature sig = FixupSignature.read(r, pe.pointerSize());
                    byte[] original = file.bytes("signature", offset, (int) (r.position() - offset));
                    assertArrayEquals(original, sig.toByteArray(), p.getFileName() + " " + c.signatureText());
                    assertEquals(c.signature(), sig);
                    shapes.merge(sig.getClass().getSimpleName(), 1, Integer::sum);
                    signatures++;
                }
            }
        }
        assertEquals(61176, signatures);
        // Check_IL_Body, VirtualFunctionOverride and raw kinds occur in no fixture: the format's unit tests cover them.
        assertEquals(Map.ofEntries(Map.entry("DelegateCtor", 747), Map.entry("DictionaryLookup", 1149), Map.entry("Field", 2067),
                Map.entry("Helper", 901), Map.entry("InstructionSetSupport", 47), Map.entry("Layout", 1361),
                Map.entry("MethodEntry", 13293), Map.entry("ResumptionStubEntryPoint", 483), Map.entry("Token", 29635),
                Map.entry("TypeHandle", 11492), Map.entry("VirtualSlot", 1)), shapes);
    }
}
