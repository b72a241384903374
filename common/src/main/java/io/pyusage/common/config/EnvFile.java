package io.pyusage.common.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A file of {@code NAME=value} lines, as systemd's {@code EnvironmentFile=} reads it: blank lines and
 * lines starting with {@code #} are skipped, a value may be quoted with {@code "} or {@code '}, and a
 * leading {@code export } is allowed so the same file can be sourced by a shell.
 */
public final class EnvFile {

    private EnvFile() {
    }

    public static Map<String, String> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the environment file " + file + ": " + e.getMessage());
        }
        return parse(lines, file.toString());
    }

    static Map<String, String> parse(List<String> lines, String source) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (int number = 1; number <= lines.size(); number++) {
            String line = lines.get(number - 1).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int equals = line.indexOf('=');
            String name = equals < 0 ? line : line.substring(0, equals).strip();
            if (equals < 0 || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException(source + ":" + number + " is not NAME=value");
            }
            variables.put(name, unquoted(line.substring(equals + 1).strip()));
        }
        return variables;
    }

    private static String unquoted(String value) {
        boolean quoted = value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"));
        return quoted ? value.substring(1, value.length() - 1) : value;
    }
}
