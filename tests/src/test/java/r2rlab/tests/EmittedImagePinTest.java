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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "cba6c8e03ad42e71cf2fb72939ae61d02cd672d98a8a112cd3443fa2f1819d88"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "96880059c924b0c8d9a1c9d244e2de5bf3024660b4d1b1167c8326b1e6c7549f"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "2804881648456d9e905698d45057fe9ec46aafc439c3dfe3355bcfb3e5927634"),
            Map.entry("async-basic.yaml/X64/GROUPED", "38b32317d028f30d72107185b38a47ca0f3fda6e1d7e88cb63f63eb5f3f3167e"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "8a2cc5a633c4cd462a91650702eed872d1b373308467fc4da9dda1d63c2d36d8"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "7af8dd84fdfd16360f180f186c137ed77d285335224074585c09c415c60245ca"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "63320b474b4d756a97f3b740acd30668a76392d75221082d0a7febd7941b456c"),
            Map.entry("async-exception.yaml/X64/GROUPED", "3c47ca6541885fbeb2bf56f46e2bb032fa3027bedbc833e376723995a8954a2b"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "0f0094d32b1d996fb3191c975cd00046c0e4f100f6a4cf2cae24d39b5ecce40e"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "5575702c1ae4dec98dd68bb0d3390492bfbc0f54471bd9c1aca8d7965fbd7a27"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "b7215d8530c024935862f7dcc577c22b928a128b4bc2b28e9699230303371092"),
            Map.entry("async-nested.yaml/X64/GROUPED", "aac4552a45304a20b860bfded5ce10b01ba20d68c9c5ef825975ec3001e183a7"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "19b76d7687f5201692286b5d7b986cf125f5097c79d0f14c9532a3c1a8af10fe"),
            Map.entry("calls.yaml/ARM64/GROUPED", "19b76d7687f5201692286b5d7b986cf125f5097c79d0f14c9532a3c1a8af10fe"),
            Map.entry("calls.yaml/X64/ADJACENT", "6918cb3ad3831ccb6e145bf3fe630241657f2bdd9f91d19df1b3ea27e16d5c27"),
            Map.entry("calls.yaml/X64/GROUPED", "6918cb3ad3831ccb6e145bf3fe630241657f2bdd9f91d19df1b3ea27e16d5c27"),
            Map.entry("exceptions.yaml/ARM64/ADJACENT", "af0603214b4c95a57238204ffea38def275d9e6e3e786eab570f2efe3b5e00ab"),
            Map.entry("exceptions.yaml/ARM64/GROUPED", "0f982ede9d816ae75f781b31db3b0ebb71d2a5f10b9fc13d3ca9a3e33e91b719"),
            Map.entry("exceptions.yaml/X64/ADJACENT", "7d031194471fe76b30244d724de3425f50aaeb66adb82f7c17fb9b90447e638a"),
            Map.entry("exceptions.yaml/X64/GROUPED", "829de15dcfb83565f89f8428485911c827cb31c2148124af4ff68f6b30b198f6"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "20d914519c11da1edd8c1354a4ee6ccb47008ff8ed26f41c755dddc8b068229a"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "f692875233a896ca5ae541f8bea15698fea052553544fcd769a16581ff62883b"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "fb4eba9cddcda2ec109c4c48c2f98c1947ff02986afee3b483ba9334fc5c648e"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "a8bfe78da5a18d1dffb3f5d84e3805442891c3dbb7258352a321e831722f4766"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "ab11c2286fe66891d8e60e4d2cba7283b1ade8512b3ae70c80f853c1974d58b2"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "e462c2c24e3ff127cbe3d4f0630980e7f11af8d16b7a29f8ff0ccf4f1027b018"),
            Map.entry("tiering.yaml/X64/ADJACENT", "3bc7a6ba23fbdfe1c8050211b002db900f421bfe7b4213d71345352575e9f5e2"),
            Map.entry("tiering.yaml/X64/GROUPED", "9e70f0e90f0eeb49330698fdf21a73cf1fd01e775daf551e46e4c7a63774da79")
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
