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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "0e1c89b3ef58ab406d85009454061f3082c40b5e9f2cc16ceab9882abcc71d7a"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "9b78757befc4c01b7e3600f0cfa6d7b5b3130feac825dc73a313aee61d0c9c83"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "73d86e2fb5085602b0a0d67faaf9d313e0dea3c156ff730f41c60f20b1386587"),
            Map.entry("async-basic.yaml/X64/GROUPED", "12f623c2aebef02d09466ae1718120e86f29d8e61bd99abfc368f7dfb92a6448"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "83134bec8f50e0a4e42b9868007f79dbfb2da807b01b62493eca516bbf77dad1"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "20a5d5ef3bd593e209f1aa9c734bf172bc622d638c9061d66e30b63195410b6a"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "e8a5faccfaa3ca5c489b85bb0306cf7dc6a0c06b66dbb6e27b257d655e7bd7ff"),
            Map.entry("async-exception.yaml/X64/GROUPED", "e6a0991f4337824582fa239758645593f7949cdf0085d513c8d713e5eb1c5abb"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "aee29eaa20b39c2e9a695f71fcf4c5e53965a8492f6cec0161937a96bb106e15"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "64538bbbe4c5bf3c7e714a42d2526329d702b09bac8b2bb3732debba2ca905d7"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "6aba74442b5d454d0f29db3d2596246d43165e62e7de323c84272b44ae78d50d"),
            Map.entry("async-nested.yaml/X64/GROUPED", "d6e65d33171833e16b4de3ac268ab96672627287d88644157bb467014b3e35c7"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "d56b883c9a4faba8091772b7468b921939d2487212c0dbd8d6413f2a92426db7"),
            Map.entry("calls.yaml/ARM64/GROUPED", "d56b883c9a4faba8091772b7468b921939d2487212c0dbd8d6413f2a92426db7"),
            Map.entry("calls.yaml/X64/ADJACENT", "4fb38c12bca3822e36a178dd8f0b32dd7f5ff7fb5e0300b5709174065053e518"),
            Map.entry("calls.yaml/X64/GROUPED", "4fb38c12bca3822e36a178dd8f0b32dd7f5ff7fb5e0300b5709174065053e518"),
            Map.entry("exceptions.yaml/ARM64/ADJACENT", "19343e2840e293fdf416d2563c4b26152744f0201897a93c7db040c6f27e4909"),
            Map.entry("exceptions.yaml/ARM64/GROUPED", "25cc5bd4cb850a0ee53db7cc50dbacf4f03b4b455d0c2250ab8cceb030b16fcb"),
            Map.entry("exceptions.yaml/X64/ADJACENT", "81e6b56badd6a956cd5bb1886ba14adc0b9afc9eae5f483099419ba655dd6c43"),
            Map.entry("exceptions.yaml/X64/GROUPED", "0ad1cb6b6118bddeaf5d332048192ff5fafa5dc312dff92bdc0c8edbcef9d617"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "aa8e9038b34a4b0e8c7e5fa7e0cfe16ad8605655ec1460e8f3087fd5d22480b1"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "f7fa5b47136c8383445302bb79702c674c9598da2aa4ce0fa02def984a61e520"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "66907b37fe29a1c75aa1b4584fb68efcf480a2f0f544b54368539b5ce8816c30"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "2225e1ca9ad717a3d0c391d37f9f902d550dd98220f5c7c10cd73522ee706b0c"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "aecbbd9ed2fcd95d73cbb2f62161788531c2aa623fd262768dd2f61c76498c44"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "184b62d800b55676f8e53378dc6862854edec22cee8f418e7fc3363af087332f"),
            Map.entry("tiering.yaml/X64/ADJACENT", "ed7ee4d131d74242e656701cf83490b25fb726b7fb9c56b3e070933f75c12e8f"),
            Map.entry("tiering.yaml/X64/GROUPED", "014568e0c07220d2b894e5ee99535a35b5c6e6be97be05242e3a05a8b49be8c3")
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
