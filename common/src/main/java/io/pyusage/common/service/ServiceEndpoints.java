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
import java.util.Map;
import java.util.function.Supplier;

/** The {@code /health} and {@code /metrics} endpoints every pyusage service exposes, set up once. */
public final class ServiceEndpoints {

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

    public static void mount(Router router, String service, PrometheusMeterRegistry registry, Supplier<Health> health) {
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
        router.get("/health").handler(ctx -> {
            Health current = health.get();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", service);
            body.put("status", current.status().name());
            body.putAll(current.details());
            ctx.response()
                    .setStatusCode(current.status() == Health.Status.DOWN ? 503 : 200)
                    .putHeader("Content-Type", "application/json")
                    .end(new JsonObject(body).encode());
        });
    }
}
