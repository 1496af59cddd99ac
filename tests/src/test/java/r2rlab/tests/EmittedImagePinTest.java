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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "c08e3319ccf353caaaff8047298193bb159f03a4b5362370c5eca92e6092c48b"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "69381326f627d4660152a4cb82aa0465e0a6b7db4a5ffe7ef219469528b413cb"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "8bb0c03b82755c09dcd080fd50cdee74ca3e34c91cb6e3be82bf5c0819de662c"),
            Map.entry("async-basic.yaml/X64/GROUPED", "8ef215b0c688aa64ba0cf23eb9bae4031b870a0729238110e75be69f195d7c55"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "fe390b43b0710d6aedc928a637635915cf7c5bc0462410bbfbaafe61863f1aca"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "7f723488724f1958c78a59edded9bfacbffd7779cd61ab711f49e9da6e97d949"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "2556431b289f912ece1797efe462269ec105481238d9bcf751eb5e2f197d73f1"),
            Map.entry("async-exception.yaml/X64/GROUPED", "899ff7668e0ae853990f1736ca09e12e26b0a013f6f419055baa3930b561291f"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "7de22e9e2c8a54525998c02c8168a25fe9a40f0f0ae92aca6d52d710a6194b09"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "009fb9adf106a84349fe894a7f320d98f0fce20582dab24ba3ab7fe6bd55db28"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "03263b944435b2d3dc7b57cec8eec4aab7b27a43b6bd424bcd604d2745e7dd1e"),
            Map.entry("async-nested.yaml/X64/GROUPED", "4214aaf8d20f2ea64363d0a02a8c963373582b95f2ada9c2e3475f4fa75a7f1c"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "395509795c68fe9037b887ccecced8d696d8538e2e7346f02c450957f214246f"),
            Map.entry("calls.yaml/ARM64/GROUPED", "395509795c68fe9037b887ccecced8d696d8538e2e7346f02c450957f214246f"),
            Map.entry("calls.yaml/X64/ADJACENT", "aae868743787eaa403ab8c48c40499fa7078a482d774bf6923c68f6c18e820b1"),
            Map.entry("calls.yaml/X64/GROUPED", "aae868743787eaa403ab8c48c40499fa7078a482d774bf6923c68f6c18e820b1"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "90f4a2540bbc3b473260c40c5a23fc3ac2a581b651e10a1794931ef7a9dfd3c3"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "c1edaf5112eb5df573e60a362beb08f4102e3f8681b7d26e7533cd32b70d9f34"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "0600a773089a0a996baa77f874690a595567a24ad0fb348797ff2ae58b6ff5f0"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "c6eb9e489bebc783ce3651fea6c140a21a763c1a714352ae2e76f328106232da"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "db07759e38ab3c105c0086e51b7b2369263cdeed3149429952c89e228b05bfe6"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "29adb9081a8859d79d266bcc7ffdf719c7cee882cc07a831e843c21e75263ce8"),
            Map.entry("tiering.yaml/X64/ADJACENT", "f76934f7268e5d3d230769c7557e62df2c283a072595813329bb2b721ba6a901"),
            Map.entry("tiering.yaml/X64/GROUPED", "788a45aaca76b667892e17abe0e9711e61894c9361c731a8d2ec3d3c5946fc57")
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
