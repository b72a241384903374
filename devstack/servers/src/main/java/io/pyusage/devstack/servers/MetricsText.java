package io.pyusage.devstack.servers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads figures from a service's {@code /metrics} (Prometheus text), for tests and benchmarks. */
public final class MetricsText {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private MetricsText() {
    }

    /** Sum of the samples of metric {@code name} whose labels contain every one of {@code labels}. */
    public static double sum(String metricsText, String name, String... labels) {
        double sum = 0;
        for (String line : metricsText.lines().toList()) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && containsAll(line, labels)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /**
     * The {@code /metrics} text of the service at {@code baseUrl}, only the samples of {@code name}
     * (a metric is asked for by its name without a sample's suffix, and by its whole name, in case
     * that suffix is its own, as for a gauge named ..._count): the whole text costs a service more
     * than a benchmark's figure is worth.
     */
    public static String fetch(String baseUrl, String name) throws IOException, InterruptedException {
        String metric = name.replaceFirst("_(total|sum|count|bucket)$", "");
        String names = "name%5B%5D=" + name + (metric.equals(name) ? "" : "&name%5B%5D=" + metric);
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics?" + names)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static boolean containsAll(String line, String... labels) {
        for (String label : labels) {
            if (!line.contains(label)) {
                return false;
            }
        }
        return true;
    }
}
