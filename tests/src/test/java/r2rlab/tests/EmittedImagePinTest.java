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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "c56be1f01ecf3ad5d1b6812267c984fadad56d9c67f2354f44765f6769417d16"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "d4d08a02b8aa0d25cd35f0692f1209580f3fe8a404a3109053e6361d82b659cd"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "243a9856128cecc093c88b1bb08d0ff4c61b3307b0897b0fb900a63e857c8648"),
            Map.entry("async-basic.yaml/X64/GROUPED", "0ece6a5b5b3519d4b3a5ddff8c7aa0d588b2417ba29854a6f290363a49c0b607"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "710305151df23bd7d813abc1f684489e3ea8fa03b1f56d1461d219bdceb64dcd"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "3c138734bef81fefb3c057f8caf05ce68ac829582d45991fc47894b0296bc53b"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "24ab1ca1ee39fd12c1cb59953bb380a850208e9247ff9b663993d04e6dc4f117"),
            Map.entry("async-exception.yaml/X64/GROUPED", "0349dc8c984b2c323294b8f715b3fa002992d2cd6385f0dff699dfdc1103d930"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "6e7a881481ce535e5295d0fdb79e919806a14ae6352711307d2a97518356e847"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "4cd352da6db17a42b00ab00e5f06055d590700cc3c9ca41829ea7930f10eae14"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "e741a20c9e0aad67556e398756de9f7ccef33564d0a920061afc64fab5efad6c"),
            Map.entry("async-nested.yaml/X64/GROUPED", "5b938743b1b2eb9a20bf64e99826be1c68c9e234e0c6048303bfba44556c07b9"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "5bd3b80d69bff8203b5cfe9b7173f71d8b76a262a25e30a5b95dba89fed12364"),
            Map.entry("calls.yaml/ARM64/GROUPED", "5bd3b80d69bff8203b5cfe9b7173f71d8b76a262a25e30a5b95dba89fed12364"),
            Map.entry("calls.yaml/X64/ADJACENT", "6bf46436bb1b71e3b46b67252fb909c310f80bac4f55c509e5cb110abbfd6031"),
            Map.entry("calls.yaml/X64/GROUPED", "6bf46436bb1b71e3b46b67252fb909c310f80bac4f55c509e5cb110abbfd6031"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "ee2ea30ab621f52fc01466031d39d1d5a056e9bd1a809fb8fad80a1d4519d69e"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "543bfd346c334555f9fa43a1e10f706cfd0755dcd7425b623b82ab202ec3deed"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "81afa1ef2fdd04b9f4bcb0850a40d83f7c671df3b37c5a793bbbba2f2c7d6d36"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "c463b46678a37c7db6fa7c2341523e901c724b7962d6d762fb0aafba3b3c8de2"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "3df1924cb262077f8ffa132f3738a35f63cc14781630c61588959b80385a6d5e"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "b310959c5cc77077830ef907b20304a9784863deadb3953c44afb76ad6c384a2"),
            Map.entry("tiering.yaml/X64/ADJACENT", "f267009118540d27be95ff4159b689fb68e9af39323df40c53b42ac6f8198be2"),
            Map.entry("tiering.yaml/X64/GROUPED", "c8872e299f95ebee4d21237e152fefd5e9443ae565b04613b0d49e627b37049f")
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
