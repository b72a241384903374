package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** dashboards/alerts.yml: valid for Prometheus (its own promtool), and naming only metrics the running services serve. */
class AlertsIT {

    private static final Path ALERTS = Dashboards.locate().resolve("alerts.yml");
    private static final Pattern METRIC = Pattern.compile("\\bpyusage_[a-z0-9_]+");

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Path log = Files.createTempFile("promtool", ".log");
        Process promtool = new ProcessBuilder("promtool", "check", "rules", ALERTS.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(promtool.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, promtool.exitValue(), output);
        assertTrue(output.contains("SUCCESS"), output);
    }

    @Test
    void everyMetricTheRulesNameIsServed() throws Exception {
        DevStack stack = TestStack.get();
        StringBuilder served = new StringBuilder();
        for (String service : List.of(stack.collectorHttpUrl(), stack.aggregatorUrl(), stack.queryApiUrl())) {
            served.append(TestStack.get(service + "/metrics").body());
        }
        Set<String> named = new TreeSet<>();
        Matcher matcher = METRIC.matcher(Files.readString(ALERTS));
        while (matcher.find()) {
            named.add(matcher.group());
        }
        assertTrue(named.size() >= 10, "the rules name the metrics: " + named);
        Set<String> missing = new TreeSet<>();
        for (String metric : named) {
            // A sample line starts with its name, then labels or a space.
            if (!Pattern.compile("(?m)^" + metric + "[{ ]").matcher(served).find()) {
                missing.add(metric);
            }
        }
        assertEquals(Set.of(), missing, "named by dashboards/alerts.yml but served by no service");
    }
}
