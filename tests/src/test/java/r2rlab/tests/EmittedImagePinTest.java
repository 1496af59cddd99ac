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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "36f6809760d0402c11f79343d67d1fe12560905559fdd4214ef0d34a75cf02d2"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "154952b904a9107b36ff181b62f0edb88af6489a9db2f0b88cf49918057f7766"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "0f7c80035cacf3b467e76ab0c65b75bbe35c86034bd197f9829bebb66aba25b7"),
            Map.entry("async-basic.yaml/X64/GROUPED", "6a7002d41616a996e6c321ee64024c175b4ab6b89d17e728950d09104abeb73a"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "1987538e0eb4dc9efa677192fa013e1f7ba2e918a58b92e4140724df29942c7b"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "a973566f6109300046452323fe6b47a98d05f8f78f3511f1d2c0797e8d20fdee"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "0f736f4b162a79709e08997bdb391d65c56ee24202ddea66678b16f014c25abf"),
            Map.entry("async-exception.yaml/X64/GROUPED", "f13711dddaeb3fd28f19968b64ef5f5c5873feca3885407686200d0c7d2a4a82"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "9797ed07e3cffbc92a5a4525a01e05895943b3f09072520ba5f25eb993ce6d2d"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "a32968818800f25f236b44a3ebbf1f62b94497521a5eec8d3bf44a4b5f2f8197"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "f1f4a38c18d7af00c99d50d0a24e36bae1a8182bfab36c5011a3644b670f5ff0"),
            Map.entry("async-nested.yaml/X64/GROUPED", "a4ff8729484900d31244515ac02188fc6183c24e49d709fa518e4279b35947f9"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "d56b883c9a4faba8091772b7468b921939d2487212c0dbd8d6413f2a92426db7"),
            Map.entry("calls.yaml/ARM64/GROUPED", "d56b883c9a4faba8091772b7468b921939d2487212c0dbd8d6413f2a92426db7"),
            Map.entry("calls.yaml/X64/ADJACENT", "4fb38c12bca3822e36a178dd8f0b32dd7f5ff7fb5e0300b5709174065053e518"),
            Map.entry("calls.yaml/X64/GROUPED", "4fb38c12bca3822e36a178dd8f0b32dd7f5ff7fb5e0300b5709174065053e518"),
            Map.entry("exceptions.yaml/ARM64/ADJACENT", "283215725f098532ca2815a182c37d9ad18e44fd17fc987fe2fe39fa500fc2f3"),
            Map.entry("exceptions.yaml/ARM64/GROUPED", "e95cc07b168d936ea740cdc50fa6e0dbb3f2d99c142116bef679554613305b06"),
            Map.entry("exceptions.yaml/X64/ADJACENT", "df6884d5ee402d5cf7f76ea68ee152541097a3aed492a4d4b7b0b7c585492593"),
            Map.entry("exceptions.yaml/X64/GROUPED", "51126f08a985da5ff103bb9b53ddb2209a299d9aa3308d5593f604a180477fb1"),
            Map.entry("gc-refs.yaml/ARM64/ADJACENT", "752664fb8491905f4a603f952bd5d4839385beca4ecb8949932e7d9c9fcfea76"),
            Map.entry("gc-refs.yaml/ARM64/GROUPED", "9fa4b5bff87a2e06de7231a2c2b5d887f47a442d7574e02ade84fe326c72d164"),
            Map.entry("gc-refs.yaml/X64/ADJACENT", "bccd63f784cf9a908c09c058adbc7ae3c833aba88f11ff3459c95147caa80019"),
            Map.entry("gc-refs.yaml/X64/GROUPED", "c19a026805c00e2dc236e46adc34a2475697424a0d99e8a4ea3ea89f3e431c68"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "da6dd717a5c562a481a39f106617d9e71b04076e37e0c8ad5e07da350f7daf8d"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "82a9d8abd5c490eb05ef27d322f0a4100102fd2e7a6e4ae87519c47b5e24d64f"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "faaf1cecc826ea7a80813f2a275f4bac08e42b988e4ce199dadf95061b36e1c2"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "265b9c955cf910d32dee60cfd3d0952289181fc63a6fc1bf674c2101ce13ff83"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "ad87c106f885d4a14a8f9c2ad659bda917dc7de0f2f2fb6e8822635c5b013c95"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "e39a8c187f944afe0aafabc98b191ae09fb279e19666f1e4b20a325dab7fb965"),
            Map.entry("tiering.yaml/X64/ADJACENT", "73338f60237a276a2a1047e47e3fc0c02c06f199a67992e9be2c01798d0fd83e"),
            Map.entry("tiering.yaml/X64/GROUPED", "bc10db56a4a3e58c80eb7f26dab0caa9d1f104e0827812348eac106f869a89d6")
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
