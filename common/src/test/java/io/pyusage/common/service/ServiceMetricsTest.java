package io.pyusage.common.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServiceMetricsTest {

    /** Thirty invented methods would have been thirty label values on the request meter. */
    @Test
    void inventedHttpMethodsAreCountedAsOneLabelValue() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Vertx vertx = Service.newVertx(registry);
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(r -> r.response().end("ok")).listen(0, "127.0.0.1")
                    .await(30, TimeUnit.SECONDS);
            HttpClient client = HttpClient.newHttpClient();
            for (String method : new String[] {"GET", "POST", "FOO", "BREW", "X1", "X2"}) {
                client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/"))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            }
            Set<String> methods = new TreeSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (methods.size() < 3 && System.nanoTime() < deadline) {
                Matcher matcher = Pattern.compile("^vertx_http_server_requests_total\\{[^}]*method=\"([^\"]+)\"", Pattern.MULTILINE)
                        .matcher(registry.scrape());
                methods.clear();
                while (matcher.find()) {
                    methods.add(matcher.group(1));
                }
                Thread.sleep(50);
            }
            assertEquals(Set.of("GET", "OTHER", "POST"), methods);
        } finally {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }
}
