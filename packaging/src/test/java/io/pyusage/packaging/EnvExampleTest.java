package io.pyusage.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** conf/pyusage.env.example names every setting the shipped programs read, so an operator finds each one there. */
class EnvExampleTest {

    /** Run from the module's directory: the programs' sources are beside it. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> SHIPPED = List.of("common", "collector", "aggregator", "query-api");
    private static final Pattern SETTING = Pattern.compile("\"(PYUSAGE_[A-Z0-9_]+)\"");
    /** Prefixes the TLS settings are built from ({@code PYUSAGE_COLLECTOR} + {@code _TLS_CERT}), not settings themselves. */
    private static final Set<String> PREFIXES = Set.of("PYUSAGE_COLLECTOR", "PYUSAGE_QUERY");

    @Test
    void everySettingTheProgramsReadIsInTheExample() throws IOException {
        Set<String> read = new TreeSet<>();
        for (String module : SHIPPED) {
            try (Stream<Path> sources = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                for (Path source : sources.filter(path -> path.toString().endsWith(".java")).toList()) {
                    Matcher matcher = SETTING.matcher(Files.readString(source));
                    while (matcher.find()) {
                        read.add(matcher.group(1));
                    }
                }
            }
        }
        read.removeAll(PREFIXES);
        read.addAll(List.of("PYUSAGE_COLLECTOR_TLS_CERT", "PYUSAGE_COLLECTOR_TLS_KEY", "PYUSAGE_QUERY_TLS_CERT", "PYUSAGE_QUERY_TLS_KEY"));
        assertTrue(read.size() > 40, "found the settings: " + read);
        String example = Files.readString(Path.of("src/conf/pyusage.env.example"));
        Set<String> missing = new TreeSet<>(read);
        missing.removeIf(name -> Pattern.compile("(?m)^#?\\s*(CHANGE: )?" + name + "=").matcher(example).find());
        assertEquals(Set.of(), missing, "settings read by the programs but not in conf/pyusage.env.example");
    }

    @Test
    void theRequiredServersAreMarkedToChange() throws IOException {
        String example = Files.readString(Path.of("src/conf/pyusage.env.example"));
        for (String required : List.of("PYUSAGE_KAFKA_BOOTSTRAP", "PYUSAGE_CLICKHOUSE_URL")) {
            assertTrue(Pattern.compile("# CHANGE, required[^\n]*\n(#[^\n]*\n)*" + required + "=").matcher(example).find(), required);
        }
    }
}
