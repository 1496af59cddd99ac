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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "5598229422f36427e87c8b74a90836162eaa7fd9d526d8ad9689112d859cefc3"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "259fc50ab560e644cb2e21df513106477b7fcc3436fb88e31d60334acd25f38c"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "bb13a03cf3e732ee4a0bb046e2c3cc97a8dd2a30c8ae75c761ec8915db330405"),
            Map.entry("async-basic.yaml/X64/GROUPED", "217427478846e92088bbdfa71c9ac0d1feff38ba4c5129f6e61d3333522a3c79"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "08657705393fd15149431c2097ecb265afdd2db396204622b30378f6465edca8"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "439673f7ef64dc9965036f6b958cbfd0cfd28e42654cda506499ab33c5aff018"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "c56db22bc9fcaa56cd9204e51cefd68659e16f20422b0eaa824af01569082a82"),
            Map.entry("async-exception.yaml/X64/GROUPED", "01910494cf324005bfaec90c487663c897090e4530d5ce7f07655c2914fcc8ca"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "bce1f51dc48944abe094b6f6c2d153cf6dcb39bb224229d7121fe15abc854ab5"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "1fb6d14a67433dcc2f529b812fe71a5e996b5e7408a0a19829ee52ff74692d44"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "a61b91e7258b1b54e2f6053852729c9a2fabd3fc5a45ec8af26c9907b0fa9345"),
            Map.entry("async-nested.yaml/X64/GROUPED", "ce5ca995d1616046af2a27dfb180485f37490e2de8d7eb304847d5358d3c9ff4"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "395509795c68fe9037b887ccecced8d696d8538e2e7346f02c450957f214246f"),
            Map.entry("calls.yaml/ARM64/GROUPED", "395509795c68fe9037b887ccecced8d696d8538e2e7346f02c450957f214246f"),
            Map.entry("calls.yaml/X64/ADJACENT", "aae868743787eaa403ab8c48c40499fa7078a482d774bf6923c68f6c18e820b1"),
            Map.entry("calls.yaml/X64/GROUPED", "aae868743787eaa403ab8c48c40499fa7078a482d774bf6923c68f6c18e820b1"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "c998179546208909dd5999ae131b7eb2a642656248d099075c209016b9b3866c"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "4b14b468e1b0d4977d33445c86924cdd58980718ee6e468e22671debcb269bd9"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "315e11166bf2a490165a64645b13c13baea5adf60fcb5c00f5c0670ca0dddff3"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "a3511459d3bcbdc09474acd718078fe225d4a12d36e67b5080f188a91904938b"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "28b11def5ef7b310731836f44cacb1915d81fc460fbad803decce3ef664b22e1"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "d6cfb76374ce132fbf5d56467fd04bd374c8a25f6232d5cd43518374b4c142ee"),
            Map.entry("tiering.yaml/X64/ADJACENT", "e3ad7f6bf35c7fdbf2a99255b0671a75f6cdf4d7e5a66b5f5671a49e24166a49"),
            Map.entry("tiering.yaml/X64/GROUPED", "3ffe69cd5c790d2a458e4f7ab834ff5b9182479a534a99c6496fd5fb255fcc79")
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
