package io.pyusage.common.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyusage.common.config.Env;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A pyusage service: started on a Vert.x instance, stopped cleanly. */
public interface Service {

    /** Any HTTP method but the standard ones. */
    String UNKNOWN_HTTP_METHOD = "(?!(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|TRACE|CONNECT)$).*";

    /** How long a stopping service may take to drain and commit before the process ends anyway (the aggregator's batch, the collector's buffer). */
    Duration STOP_TIMEOUT = Duration.ofSeconds(90);

    /** How long Vert.x may take to close once the service has stopped. */
    Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** How long a request may take to arrive, headers and body, unless a service says otherwise. */
    Duration DEFAULT_REQUEST_DEADLINE = Duration.ofSeconds(10);

    /** Completes when the service listens; fails (so that start-up fails loudly) when it cannot. */
    Future<? extends Service> start(Vertx vertx);

    Future<Void> stop();

    /** Where the service's meters are, served at {@code /metrics}. */
    PrometheusMeterRegistry registry();

    /**
     * The Vert.x instance a service runs on, one per service, so that Vert.x's own meters (HTTP
     * requests, event loop and worker pool use) land in that service's registry.
     */
    static Vertx newVertx(MeterRegistry registry) {
        return Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
                        // A client chooses the method: invented ones are counted as OTHER, so they cannot grow the meters.
                        .addLabelMatch(new Match().setLabel(Label.HTTP_METHOD.toString()).setType(MatchType.REGEX)
                                .setValue(UNKNOWN_HTTP_METHOD).setAlias("OTHER"))))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
    }

    /**
     * The usual start: blocking set-up (migrations, clients) on a worker thread, then the HTTP
     * listener; fails if either does.
     */
    static Future<HttpServer> setUpThenListen(Vertx vertx, Callable<?> setUp, Router router, String host, int port) {
        return setUpThenListen(vertx, setUp, router, new HttpServerOptions(), DEFAULT_REQUEST_DEADLINE, host, port);
    }

    /** As above, with the listener's own options (TLS, timeouts) and a {@link RequestDeadline} for each request to arrive. */
    static Future<HttpServer> setUpThenListen(Vertx vertx, Callable<?> setUp, Router router, HttpServerOptions options,
                                              Duration requestDeadline, String host, int port) {
        return vertx.executeBlocking(setUp)
                .compose(ignored -> RequestDeadline.install(vertx, vertx.createHttpServer(options), router, requestDeadline).listen(port, host));
    }

    /** The usual stop: the HTTP listener first (no new work), then blocking tear-down on a worker thread. */
    static Future<Void> closeThenTearDown(Vertx vertx, HttpServer http, Callable<?> tearDown) {
        Future<Void> closed = http == null ? Future.succeededFuture() : http.close();
        return closed.compose(ignored -> vertx.executeBlocking(tearDown)).mapEmpty();
    }

    /**
     * A program's configuration from its environment and {@code --env-file}; when it is refused,
     * every problem is printed and the process exits with status 2, as an operator's mistake
     * deserves a message and no stack trace.
     */
    static <C> C configuredOrExit(String program, String[] args, Function<Env, C> configuration) {
        try {
            return configuration.apply(Env.fromArguments(args));
        } catch (IllegalArgumentException e) {
            System.err.println(program + ": " + e.getMessage());
            System.exit(2);
            throw e;
        }
    }

    /** Runs {@code service} as a process's only service: exit code 1 when it cannot start, stopped on SIGTERM. */
    static void runStandalone(String name, Service service) {
        Logger log = LoggerFactory.getLogger(Service.class);
        Vertx vertx = newVertx(service.registry());
        service.start(vertx)
                .onSuccess(started -> log.info("{} started", name))
                .onFailure(error -> {
                    // The start's own refusals (schema, login, a missing topic) say what to do; anything else gets its trace.
                    if (error instanceof IllegalStateException) {
                        log.error("{} cannot start: {}", name, error.getMessage());
                    } else {
                        log.error("{} failed to start", name, error);
                    }
                    vertx.close();
                    System.exit(1);
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopThenClose(name, service, vertx), name + "-stop"));
    }

    /**
     * On SIGTERM: the service's own stop (it drains and commits), then Vert.x, each awaited from this
     * thread with a bound. Chained on the event loop instead, the close's completion was handed to a
     * loop that had already ended, so the wait never returned and the process had to be killed.
     */
    private static void stopThenClose(String name, Service service, Vertx vertx) {
        Logger log = LoggerFactory.getLogger(Service.class);
        try {
            service.stop().await(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("{} did not stop cleanly: {}", name, e.toString());
        }
        try {
            vertx.close().await(CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("{}: Vert.x did not close within {} s: {}", name, CLOSE_TIMEOUT.toSeconds(), e.toString());
        }
        log.info("{} stopped", name);
    }
}
