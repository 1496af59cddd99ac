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
            Map.entry("async-basic.yaml/ARM64/ADJACENT", "a04b7c2a0c18c72811dac98c4fa9e063b9c2236fab22b1308d8c850cd65b03b5"),
            Map.entry("async-basic.yaml/ARM64/GROUPED", "8d9e3168e0041705a80794565120f3606b662d7d99607bb382a79fbab860c0f0"),
            Map.entry("async-basic.yaml/X64/ADJACENT", "9d224b36baf26710a067ab2387da9c703ed99b8b71ea5a9ce33804e38b0fb77d"),
            Map.entry("async-basic.yaml/X64/GROUPED", "f41f90c0a02a6291528613990858269ca9c79bb765d9259acb88f72e04dad136"),
            Map.entry("async-exception.yaml/ARM64/ADJACENT", "d41e3510ff57d14eae88b729787cfa454763a6c348af1bdf5b8b3e9cdb32cb4c"),
            Map.entry("async-exception.yaml/ARM64/GROUPED", "a1435149ad7b5ccdae3b4a2f7d0ad146275bb1328ab01b4731a3614adc6d1d71"),
            Map.entry("async-exception.yaml/X64/ADJACENT", "131a7440ebfcb1ae2c7299295e383f3aac98bb7493e185bb89daafaf8af5eabd"),
            Map.entry("async-exception.yaml/X64/GROUPED", "190d934c255b00d983b455aada6097f5150ba6a3231818a94c95723337a307c2"),
            Map.entry("async-nested.yaml/ARM64/ADJACENT", "2fbcf20abc221a53b27dd26507e6bac66135fe54c20f6c1c977009b80b16593d"),
            Map.entry("async-nested.yaml/ARM64/GROUPED", "cbfbf41235e25c0e5eff28c87851f0fbc536a44fb956703449168a1dd3af82de"),
            Map.entry("async-nested.yaml/X64/ADJACENT", "7848c5fbdbf8e1214a9362c3d7c2ce7f15c84cf1b8905db31d53b5e8d5404a16"),
            Map.entry("async-nested.yaml/X64/GROUPED", "c35f04f85f954ce85af554501645cd9484f18eaf181f66e5ece1747c67bf803b"),
            Map.entry("calls.yaml/ARM64/ADJACENT", "19b76d7687f5201692286b5d7b986cf125f5097c79d0f14c9532a3c1a8af10fe"),
            Map.entry("calls.yaml/ARM64/GROUPED", "19b76d7687f5201692286b5d7b986cf125f5097c79d0f14c9532a3c1a8af10fe"),
            Map.entry("calls.yaml/X64/ADJACENT", "6918cb3ad3831ccb6e145bf3fe630241657f2bdd9f91d19df1b3ea27e16d5c27"),
            Map.entry("calls.yaml/X64/GROUPED", "6918cb3ad3831ccb6e145bf3fe630241657f2bdd9f91d19df1b3ea27e16d5c27"),
            Map.entry("exceptions.yaml/ARM64/ADJACENT", "cef6c1a46732fa82588594282e29646718f8232bea19a21156ef399b7136ea76"),
            Map.entry("exceptions.yaml/ARM64/GROUPED", "07d571833d6ec71b60cbb170ded762e98501793c1508faf92dab838d113c3914"),
            Map.entry("exceptions.yaml/X64/ADJACENT", "eef429a3d7ed5da24c6cdc734b6bd7544e2819c523b4716d10aaeedc9efa60e6"),
            Map.entry("exceptions.yaml/X64/GROUPED", "03cf78f098614e55afe47207f9efeaf093134cf00d0e7e20bb8157444dc1cf6c"),
            Map.entry("gc-refs.yaml/ARM64/ADJACENT", "28735d09d85645a66910e54fb23b953e9e1ccd2d57354274a07565dad267214d"),
            Map.entry("gc-refs.yaml/ARM64/GROUPED", "52f37e3dbedb8f2d1d2d98a6eaf2718b20e47f341f564f9e3bfa93f305ef0f5e"),
            Map.entry("gc-refs.yaml/X64/ADJACENT", "0391057d7d5f3a29441acfc2b6950ce4aeeb9039dc6b2268be2ecca056a5af93"),
            Map.entry("gc-refs.yaml/X64/GROUPED", "1a3cd7714f9053de45695a7547fe03037d888da08fbadee018e5de0d236d7244"),
            Map.entry("gcpoint.yaml/ARM64/ADJACENT", "50818d71ce3369d23463a87e352214839d0e618c54067e2531417386ba0e1863"),
            Map.entry("gcpoint.yaml/ARM64/GROUPED", "aa4a3b8727a7e6d6ad5cc4c84dd6c7591f3d730108a9b6904e7e4c144bc79f6a"),
            Map.entry("gcpoint.yaml/X64/ADJACENT", "cb22bae90b76fd4e814bea23b7aa651ef5c55b531cfab063b8cfeb238f28be5b"),
            Map.entry("gcpoint.yaml/X64/GROUPED", "358f70a044604ee188de625eb7b791b46efb04a184bf71bb3d350b618a966ae5"),
            Map.entry("tiering.yaml/ARM64/ADJACENT", "5830b1ddf89956e5c6fca9f73f6fae9f3f3665b21bc6d1ced15af0353a2bab2c"),
            Map.entry("tiering.yaml/ARM64/GROUPED", "08cb47d72789c2c89395bec31bd7e606c542d851e2eefcd403a4b1831b4bbd1b"),
            Map.entry("tiering.yaml/X64/ADJACENT", "28b8fad821e0cae130a1e6a7cea4ff523c6a16695cfe5f05919d080d0ba0c645"),
            Map.entry("tiering.yaml/X64/GROUPED", "9cad0d9dde899c851af56ce1faa94fcf0fdd403e56bec8e9877774d3207a3688")
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
