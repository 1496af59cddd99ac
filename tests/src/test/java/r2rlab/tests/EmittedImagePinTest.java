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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "eb641a0025fcf64ae8fad845e4d3589d28123c802a951a2d8b295a354b11af2a"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "c32b208552d1abb507673a78e108d261ab171216810ff0b5d05216a097475bf6"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "518a7d2103b784a021b2a992656bb1bfd8263812f75e88283cab2d01532dde21"),
            Map.entry("async-basic.yaml/X64/GROUPED", "51c69aeb4072749ba3c2a13f2f3cad7cdfc924f2becef24740d9d65a12605468"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "678d7661424e66f47282bf1080babfe9d9f8ed06bffaad4ee41573762164f035"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "ac1068f26192aaf5250700d74e52e6e95ced77de79a93aa8a47fe2290527d65f"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "95dcef335a3933017965b0d85d1dea6871cf646719c39688b9e0a6de95e5f04a"),
            Map.entry("async-exception.yaml/X64/GROUPED", "eb44349171ad853a33e78c0b39774937b581960f2837caf44c2718d87f4b408b"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "56edc295f941ac1b4096262ed6b57b96113392f09fafa7b28247eceae2d06766"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "6f21d2a8b7a805075a201fd3d92546aa43e718184efa0e886b77367466555187"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "947a103ceb213a24b17c92f6ebe0405bcecfc689dd41fe83ac53dc85f5fc76de"),
            Map.entry("async-nested.yaml/X64/GROUPED", "c624f70ac961283f9fcc40a3d967cb0b016c820eaab52f1cd51b509d57b4fcaa"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "d78d48abd6506617f8d1deef9a1949824c6bc6cb3410fd52d9f5b81bcd72c897"),
            Map.entry("calls.yaml/ARM64/GROUPED", "d78d48abd6506617f8d1deef9a1949824c6bc6cb3410fd52d9f5b81bcd72c897"),
            Map.entry("calls.yaml/X64/ADJACENT", "db4f026ec5ad58b2acb3131e88e2721a7f985dba8bbbc09b0b4d0484b4b90941"),
            Map.entry("calls.yaml/X64/GROUPED", "db4f026ec5ad58b2acb3131e88e2721a7f985dba8bbbc09b0b4d0484b4b90941"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "7828770f4cf9fcda4cc4a4dff151611e7cc4e1734ceab5ec647ed0150c24e7f2"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "c499a17c42728829ccfca0e078c9346a1ffe10a19e49be98bcc9f212f5d363a6"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "29febc0ab8e83466ed4205764bdff90b91a9c98a4eb5f2299c56031b0d9fa884"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "406ff0656f84c2dddc39106c14ecf173960ad5bd659022df1e478fdb8d764a7d"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "827a2897a365f0f5e60de527542a8f210d2ba1d9acfe9663f783b07def49d44e"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "a4a603ea64084dbc9af913ed41f705ed2790118e19f7f8fb7d0cccee279dcd8f"),
            Map.entry("tiering.yaml/X64/ADJACENT", "84d567b3a0d2c8314d3bd23e9d754fb6ec1082e85cb14a847429e4cc18c72e1e"),
            Map.entry("tiering.yaml/X64/GROUPED", "0e1db975aeeec165a6e325213dc6d60ea7cd9ecd46997b38d8402b62d831bc9b")
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
