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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "a80a354058b290d7ce528aec8348562437adc7ee8f429bf4eb43c5f26ffb70ae"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "27696256de6607c56e899606344c5253508a03ad7da17890a85a506acadf5417"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "26dcd518e048e259ff7beaca0940e6ff6009fb6e35faf3ad912db70e6ee5f61e"),
            Map.entry("async-basic.yaml/X64/GROUPED", "b7aff8001349128ccc38a5d81cc988c18c32b80e66c992d5f7da40ad30493813"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "b85accbd67827b9187eeb06ec4df4938bee3239efd031cff5ce9b36e001c16f9"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "0d1466a065c842cc865b76fa0dc48640a3677132a02a2fbbbdaf2227be813f2d"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "b966061fafbe488ced82c243c118e2030feb87b0e7c9d624915d63b346dfd583"),
            Map.entry("async-exception.yaml/X64/GROUPED", "4f6872d218cff12d961f2d8877e302c282c7df6805f1bd132ac5763973b9aa01"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "d293cb515bdb573a6a54b8e8cb946c12f0cfe414454f78a5638e44e745292fa5"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "389974f7cd6d5616a7e67ede8faa91b07497703e01adeb4a0cf8ba3147a45edd"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "5d09de40841ddd9bccc7ced87c47178534379539f09ff4bf45070b426244e68e"),
            Map.entry("async-nested.yaml/X64/GROUPED", "8ceb98260a2550dc3cbb91f77cbfd94d2db7b63e06285b7480cbf824548fc6d8"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "5bd3b80d69bff8203b5cfe9b7173f71d8b76a262a25e30a5b95dba89fed12364"),
            Map.entry("calls.yaml/ARM64/GROUPED", "5bd3b80d69bff8203b5cfe9b7173f71d8b76a262a25e30a5b95dba89fed12364"),
            Map.entry("calls.yaml/X64/ADJACENT", "6bf46436bb1b71e3b46b67252fb909c310f80bac4f55c509e5cb110abbfd6031"),
            Map.entry("calls.yaml/X64/GROUPED", "6bf46436bb1b71e3b46b67252fb909c310f80bac4f55c509e5cb110abbfd6031"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "2c18b7541a190c7f175e490fa7a6a85f59e0dc8abd1d7c648576fb1f7f8a2db4"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "8faf5a27da751ecdfecc3a864c851843c15bb7bf666af04fa77206654cf27979"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "e40f502cfbae703a05d3fa142cc00bea8a2fec54bc2249797b89c0b42fa6767b"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "aeb0ca0930cf3e0ca803226cc191f52ea29de562794ef5ab82c09aeb48737a75"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "44b2c546a617dc9373cd4c79d64abd31830c108c3fe339891439d72dc9478522"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "d29e2c1c5e8af0a27907d3f52e57c4ce6072486f74b02a8f52192d68027d3577"),
            Map.entry("tiering.yaml/X64/ADJACENT", "40e5c0d89e0b29884d0b8921f056042ac040969038497538405432328babc8ed"),
            Map.entry("tiering.yaml/X64/GROUPED", "3afd5b8e12a9d9bbedea28e4270f0e21541ae30e6b69da7a86c8cc096609398f")
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
