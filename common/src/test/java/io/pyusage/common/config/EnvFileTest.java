package io.pyusage.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvFileTest {

    @Test
    void readsWhatSystemdAndAShellRead() {
        Map<String, String> read = EnvFile.parse(List.of("# a comment", "", "PYUSAGE_A=1", "export PYUSAGE_B = two words",
                "PYUSAGE_C=\"quoted = value\"", "PYUSAGE_D='single'", "PYUSAGE_E="), "test.env");
        assertEquals(Map.of("PYUSAGE_A", "1", "PYUSAGE_B", "two words", "PYUSAGE_C", "quoted = value", "PYUSAGE_D", "single",
                "PYUSAGE_E", ""), read);
    }

    @Test
    void aLineThatIsNoAssignmentIsRefusedWithItsNumber() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EnvFile.parse(List.of("PYUSAGE_A=1", "rm -rf /"), "prod.env"));
        assertEquals("prod.env:2 is not NAME=value", e.getMessage());
    }

    @Test
    void theEnvironmentWinsOverTheFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("pyusage.env"), "PYUSAGE_FROM_FILE_ONLY=file\nPATH=/from/the/file\n");
        Env env = Env.fromArguments("--env-file", file.toString());
        assertEquals("file", env.string("PYUSAGE_FROM_FILE_ONLY", null));
        assertEquals(System.getenv("PATH"), env.string("PATH", null));
    }

    @Test
    void anUnknownArgumentOrAMissingFileIsRefused(@TempDir Path dir) {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Env.fromArguments("--verbose")).getMessage().contains("--verbose"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Env.fromArguments("--env-file=" + dir.resolve("none")))
                .getMessage().contains("cannot read the environment file"));
    }
}
