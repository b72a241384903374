package io.pyusage.common.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceEndpointsTest {

    private final PrometheusMeterRegistry registry = ServiceEndpoints.newRegistry("test");

    @Test
    void withoutNamesEveryMetricIsScraped() {
        Counter.builder("pyusage_test_starts").register(registry).increment(3);
        String text = ServiceEndpoints.scrape(registry, List.of());
        assertTrue(text.contains("pyusage_test_starts_total{service=\"test\"} 3.0"), text);
        assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics too");
    }

    @Test
    void namesScrapeOnlyThoseMetricsWithAllTheirSamples() {
        Counter.builder("pyusage_test_starts").register(registry).increment(3);
        Counter.builder("pyusage_test_other").register(registry).increment();
        Timer.builder("pyusage_test_insert").register(registry).record(Duration.ofMillis(250));
        String text = ServiceEndpoints.scrape(registry, List.of("pyusage_test_starts", "pyusage_test_insert_seconds"));
        List<String> samples = text.lines().filter(line -> !line.startsWith("#")).toList();
        assertEquals(List.of("pyusage_test_insert_seconds_count{service=\"test\"} 1",
                "pyusage_test_insert_seconds_sum{service=\"test\"} 0.25",
                "pyusage_test_starts_total{service=\"test\"} 3.0"), samples.stream().sorted().toList());
    }

    /** A metric is named as its samples are, less a suffix only when the suffix is the sample's (see ServiceProcess.metric). */
    @Test
    void aGaugeWhoseNameEndsLikeASampleSuffixIsFoundByItsWholeName() {
        Gauge.builder("pyusage_test_queue_count", () -> 7).register(registry);
        assertTrue(ServiceEndpoints.scrape(registry, List.of("pyusage_test_queue_count")).contains("pyusage_test_queue_count{service=\"test\"} 7.0"));
        assertTrue(ServiceEndpoints.scrape(registry, List.of("pyusage_test_queue")).lines().allMatch(line -> line.startsWith("#") || line.isBlank()),
                "nothing under the name less its suffix");
    }
}
