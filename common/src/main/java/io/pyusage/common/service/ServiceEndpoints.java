package io.pyusage.common.service;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The {@code /health} and {@code /metrics} endpoints every pyusage service exposes, set up once. */
public final class ServiceEndpoints {

    /** Prometheus' text format, version 0.0.4: what every scraper reads. */
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private ServiceEndpoints() {
    }

    /** A Prometheus registry with JVM and process metrics (CPU, open files, uptime), every meter tagged with the service name. */
    public static PrometheusMeterRegistry newRegistry(String service) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // JvmGcMetrics holds a listener for the registry's lifetime; it is closed with the JVM.
        new JvmGcMetrics().bindTo(registry);
        return registry;
    }

    /**
     * The registry's text; with names (the {@code name[]} parameter the Prometheus exporters take,
     * e.g. {@code /metrics?name[]=pyusage_aggregator_starts_written}), only those metrics. A poll
     * for one figure then costs little: the whole text, the Kafka client's meters among them, took
     * about a twelfth of an aggregator's CPU when a benchmark read it five times a second.
     */
    static String scrape(PrometheusMeterRegistry registry, List<String> names) {
        return names.isEmpty() ? registry.scrape() : registry.scrape(TEXT_FORMAT, Set.copyOf(names));
    }

    public static void mount(Router router, String service, PrometheusMeterRegistry registry, Supplier<Health> health) {
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", TEXT_FORMAT)
                .end(scrape(registry, ctx.queryParam("name[]"))));
        // On a worker: a service's health may ask a server that hangs (the query API pings ClickHouse).
        router.get("/health").handler(ctx -> ctx.vertx().executeBlocking(health::get, false).onComplete(checked -> {
            Health current = checked.succeeded() ? checked.result()
                    : Health.degraded(Map.of("health", "could not be checked"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", service);
            body.put("status", current.status().name());
            body.putAll(current.details());
            ctx.response()
                    .setStatusCode(current.status() == Health.Status.DOWN ? 503 : 200)
                    .putHeader("Content-Type", "application/json")
                    .end(new JsonObject(body).encode());
        }));
    }
}
