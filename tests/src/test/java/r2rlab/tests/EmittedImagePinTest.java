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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "cf2885c2f12a61fe5510ac558858f8285b175cba3d3f9cf80c6e854de780f752"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "3667043b29dfea179abbfe53de0afe8f47dedaeaec6353d524d65af127c5260e"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "f9b496813003dbfb9cdb625e07c191a1eb54786a5e55ca8706e36dacb9076623"),
            Map.entry("async-basic.yaml/X64/GROUPED", "1ef7f2caa429b1cd7939cf2930fc24cbc07577c05a8f7d462584874dd55826c1"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "b7abc71d39ad9205de8605819b7721c465ffdc69aff818be042290778cc647a6"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "bf3f08e1e425336818f430131788e8cfbab8a2f4d25128acebb969186530456a"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "d971ffa88c2281537556f06255a0f32a1b6d8d58ce26d70ff68dd10c6071368c"),
            Map.entry("async-exception.yaml/X64/GROUPED", "bbcdca42ce860c9bf79b65b9419c08e8218ff162ca2830fc85686ce74260a83a"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "007d56c1229fc39489185eaef684bab9a364105f79bed407c3cd019e35939e17"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "8d8d5054629795d59c80c901d8f3b16e6f57a30af056b51a31f74845c3302a02"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "1e5e7145bf82e5e2f5ee0ef00a61abe128926c22ba3d555184ab31eed2b5bb15"),
            Map.entry("async-nested.yaml/X64/GROUPED", "623234d68aafd4e9443600674b4dd8c29dd1fd760e1b5ed6013ca54867ff622e"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "d56b883c9a4faba8091772b7468b921939d2487212c0dbd8d6413f2a92426db7"),
            Map.entry("calls.yaml/ARM64/GROUPED", "d56b883c9a4faba8091772b7468b921939d2487212c0dbd8d6413f2a92426db7"),
            Map.entry("calls.yaml/X64/ADJACENT", "4fb38c12bca3822e36a178dd8f0b32dd7f5ff7fb5e0300b5709174065053e518"),
            Map.entry("calls.yaml/X64/GROUPED", "4fb38c12bca3822e36a178dd8f0b32dd7f5ff7fb5e0300b5709174065053e518"),
            Map.entry("exceptions.yaml/ARM64/ADJACENT", "d50dd890ad5fef97e9cde3a732d6c71896648c193198f99ee13c6c7a9f4828aa"),
            Map.entry("exceptions.yaml/ARM64/GROUPED", "a1bf09003e8df45f12078863c054697fe39431e3f91949f976e0d8d107444d84"),
            Map.entry("exceptions.yaml/X64/ADJACENT", "06a7c75e6467ddf02690a7af2a57c24d95d40ae05e50c25ae43188a266a0bcd3"),
            Map.entry("exceptions.yaml/X64/GROUPED", "723bf34d2d95eb8906489046e58e1b7fced44ac67ec949538b67d466554c4ff2"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "c29165d75b18cf238e3bc8e8bbae263264e7504c221acb44348298e79cee9ce1"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "fc243fbe2c629da2b692b295bf3b4f984a82ebd5f20c9b0ca22f2a399470c265"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "29b2fdf69fab010a37adbd8abe0ec683f16541bdf13b3670c1d75813215cf29c"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "e24515c9dd2c55769325b1b324984ee464b4c83cebaadbef3fef00610aa106d8"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "08a38ec15db387d390302f700423ed09d986346494618d105be5ee9dc99827ac"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "9b7570bc64c227b4db39ea3d6ec8888a7394af5b94bc8047a9f89e6996c68289"),
            Map.entry("tiering.yaml/X64/ADJACENT", "90cbe705bc73837fd851cd21e2c26717362c6fbf079a1bba99d92eb8c397d645"),
            Map.entry("tiering.yaml/X64/GROUPED", "005edc002fc8876ade14dceba79aedcfd2036079c62d4641467ecfed99379b36")
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
