package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.format.pe.TargetOs;

/**
 * Pins the bytes of every example image (example × architecture × stub layout) by SHA-256, recorded
 * before the codecs were restructured: a refactoring that changes structure must not change output.
 * A deliberate change of the emitted images updates these values in the same commit, with the reason.
 */
class EmittedImagePinTest {
    private static final Map<String, String> PINNED = Map.ofEntries(
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "e1b610f84e7222173f19e322f31e6faedc3325060294874d9fe40083d47c6fd5"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "130275f1d341697d93f4d34ca54a2d885447ffbecd768398c1ea7bf49e39481f"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "3b6d9925e70031167da1168600a6f7f099dd2f0eadccd3df6498630e10a113b5"),
            Map.entry("async-basic.yaml/X64/GROUPED", "6e0b0e26d3bccfe0aa47c3f9f20c61e5e7c536b2164ffe2b8a104326d5a5841f"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "0bafdb5ffa1accb4b2d3da24294e0af609c971a9c79c7d5a1f0763a02765a13a"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "43eae0051f068955fde3882075497bc29358947585d134ae5e095bd534174158"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "a09b46358083fe8292963f961b90ea295a8b95267d4b421cc9519265169fd856"),
            Map.entry("async-exception.yaml/X64/GROUPED", "13c940ccb44ac900659da8bb84f35e046282421bf5d938f8a331f0e9ce602523"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "7908b151f4fd475734bc396cff87faab54671e03fd07cfadee8c86a25f577bec"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "876e273af1951e97f25faca1e3feda2008ca4c7d117dfc0ac706a91493027ae4"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "08cb1dc63ae79dc4fd36b81832e99efe986aa6a4f05f301d4d062b1d63d1df5b"),
            Map.entry("async-nested.yaml/X64/GROUPED", "ca408ed42b26e7633cd07eb591f3269034a6ec85718256a57e557b72ece68ccb"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "1ad5da3245d37fd708ec3392bc6820b70fb56a250a76dece182634794b4d9955"),
            Map.entry("calls.yaml/ARM64/GROUPED", "1ad5da3245d37fd708ec3392bc6820b70fb56a250a76dece182634794b4d9955"),
            Map.entry("calls.yaml/X64/ADJACENT", "a5c9e5a099d3601b1b4cb366437603c179d93986ab6495d6bc0b927f135bcc5c"),
            Map.entry("calls.yaml/X64/GROUPED", "a5c9e5a099d3601b1b4cb366437603c179d93986ab6495d6bc0b927f135bcc5c"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "c6612a374b7f1e02f27451b47864ab1f5e2b196897f11818c538a53e1195b67a"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "0670f08d7a70d0d99ca75fac7a607e151788d1f3ed73f562676ed85850779ba1"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "12280148ff99a9020030f23fa3a6d536dc5e713d36d1669fd97923e866e7a351"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "c380068dcf003d8139409ed88904bd587a9d0d6c2fa548889348bef1a691e54a"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "8c62bf5f416db31e6a65741215094186a9da102c94062442db21626d2c4d644f"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "8289d99ef203ae0100a5a76d9d4b18e012426c0f065aa976ea6e2561b1619d3c"),
            Map.entry("tiering.yaml/X64/ADJACENT", "2de1e3211b967086947d95c832e40defbea1186b51448b378457147e82258ee6"),
            Map.entry("tiering.yaml/X64/GROUPED", "41bd99cb1d3e75f35d8c302d3a89503fa01bd1f6fda1d9c11486155d627ae06c")
    );

    @Test
    void everyExampleImageIsByteIdenticalToItsPinnedHash() throws Exception {
        Map<String, String> actual = new TreeMap<>();
        for (Path p : Emitted.examples()) {
            for (Architecture arch : Architecture.values()) {
                for (StubLayout layout : StubLayout.values()) {
                    byte[] image = Emitter.emit(Emitted.scenario(p), new EmitOptions(arch, TargetOs.WINDOWS, Set.of(), layout));
                    actual.put(p.getFileName() + "/" + arch + "/" + layout, sha256(image));
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        actual.forEach((k, v) -> sb.append("            Map.entry(\"").append(k).append("\", \"").append(v).append("\"),\n"));
        assertEquals(new TreeMap<>(PINNED), actual, "emitted images changed; actual values:\n" + sb);
    }

    private static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
