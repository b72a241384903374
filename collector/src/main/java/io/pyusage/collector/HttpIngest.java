package io.pyusage.collector;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.FieldError;
import io.vertx.core.Context;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /v1/startups}: one JSON record, or NDJSON with one record per line. Good lines are
 * accepted even when others in the same batch are not; the answer names the first
 * {@value #MAX_LISTED_REJECTIONS} rejected lines and counts them all.
 * 202 once every accepted record is acknowledged by Kafka; 400 when no line was valid; 503 with
 * {@code Retry-After} and the lines to resend when the buffer in front of Kafka is full or Kafka
 * failed; 401 without the configured token; 403 from outside the allow-list; 413 over the limit.
 */
public final class HttpIngest {

    static final String TRANSPORT = "http";
    static final String PATH = "/v1/startups";
    private static final String RETRY_AFTER_SECONDS = "5";
    /** Rejected lines an answer names: a small gzip body can hold hundreds of thousands of bad lines. */
    static final int MAX_LISTED_REJECTIONS = 100;
    /** Field errors named per rejected line (all are counted). */
    static final int MAX_LISTED_ERRORS = 5;
    /** The content types a browser may send across sites without asking first (a "simple" request). */
    private static final List<String> BROWSER_FORM_TYPES =
            List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data");

    private final RecordIntake intake;
    private final int maxBodyBytes;
    private final IngestToken token;
    private final MeterRegistry registry;

    HttpIngest(RecordIntake intake, int maxBodyBytes, IngestToken token, MeterRegistry registry) {
        this.intake = intake;
        this.maxBodyBytes = maxBodyBytes;
        this.token = token;
        this.registry = registry;
    }

    public void mount(Router router) {
        router.route(PATH).handler(this::timeRequest);
        router.post(PATH).handler(this::admit);
        router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
        router.post(PATH).handler(this::handle);
        router.errorHandler(413, ctx -> answer(ctx, 413, new JsonObject()
                .put("error", "body larger than " + maxBodyBytes + " bytes: send smaller batches")));
    }

    /** Request latency and count by status, including the answers other handlers give (401, 403, 413). */
    private void timeRequest(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.addEndHandler(ignored -> Timer.builder("pyusage_collector_http_request")
                .description("Ingestion requests by status, from arrival to the answer")
                .tag("status", String.valueOf(ctx.response().getStatusCode()))
                .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        ctx.next();
    }

    /** Sender and token checks, before the body is read. */
    private void admit(RoutingContext ctx) {
        if (!intake.allowed(ctx.request().remoteAddress().hostAddress())) {
            answer(ctx, 403, new JsonObject().put("error", "this address may not send records"));
            return;
        }
        // Hooks never send Origin; a browser always does on a cross-site post, which any page a colleague
        // opens inside the allowed network could make. Form-like content types are refused for the same reason.
        if (ctx.request().getHeader("Origin") != null) {
            intake.refused(RecordIntake.CROSS_SITE);
            answer(ctx, 403, new JsonObject().put("error", "requests from web pages (with an Origin header) may not send records"));
            return;
        }
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType != null && BROWSER_FORM_TYPES.stream().anyMatch(t -> contentType.toLowerCase(Locale.ROOT).startsWith(t))) {
            intake.refused(RecordIntake.UNSUPPORTED_MEDIA_TYPE);
            answer(ctx, 415, new JsonObject().put("error", "send records as application/json or application/x-ndjson"));
            return;
        }
        if (!intake.authorized(token.admitsHeader(ctx.request().getHeader("Authorization")))) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"pyusage\"");
            answer(ctx, 401, new JsonObject().put("error", "missing or wrong bearer token"));
            return;
        }
        ctx.next();
    }

    private void handle(RoutingContext ctx) {
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String sourceIp = ctx.request().remoteAddress().hostAddress();
        Batch batch = new Batch(ctx, ctx.vertx().getOrCreateContext());
        int line = 0;
        int start = 0;
        while (start <= body.length) {
            int end = indexOf(body, (byte) '\n', start);
            line++;
            int length = trimmedLength(body, start, end);
            if (length > 0) {
                DecodeResult result = intake.decode(body, start, length);
                if (result instanceof DecodeResult.Valid valid) {
                    batch.publish(valid, body, start, length, sourceIp, line);
                } else if (result instanceof DecodeResult.Invalid invalid) {
                    batch.rejected(line, invalid);
                }
            }
            start = end + 1;
        }
        batch.allQueued();
    }

    /**
     * The records of one request on their way to Kafka; answers once the last is acknowledged.
     * Starts with one pending "record" for the request itself, so that acknowledgements arriving
     * while lines are still being queued cannot answer early.
     */
    private final class Batch {
        final RoutingContext ctx;
        final Context context;
        final JsonArray rejected = new JsonArray();
        int rejectedCount;
        final JsonArray failedLines = new JsonArray();
        final AtomicInteger pending = new AtomicInteger(1);
        int valid;

        Batch(RoutingContext ctx, Context context) {
            this.ctx = ctx;
            this.context = context;
        }

        void publish(DecodeResult.Valid record, byte[] body, int offset, int length, String sourceIp, int line) {
            valid++;
            pending.incrementAndGet();
            boolean queued = intake.publish(record, body, offset, length, sourceIp, error -> {
                if (error != null) {
                    failed(line);
                }
                done();
            });
            if (!queued) {
                failed(line);
                done();
            }
        }

        void rejected(int line, DecodeResult.Invalid invalid) {
            if (++rejectedCount <= MAX_LISTED_REJECTIONS) {
                rejected.add(rejection(line, invalid));
            }
        }

        void allQueued() {
            done();
        }

        private void failed(int line) {
            synchronized (failedLines) {
                failedLines.add(line);
            }
        }

        private void done() {
            if (pending.decrementAndGet() == 0) {
                // Acknowledgements arrive on a Kafka thread; answer on the request's event loop.
                context.runOnContext(ignored -> respond());
            }
        }

        private void respond() {
            if (valid == 0) {
                JsonObject body = new JsonObject().put("accepted", 0).put("rejected", rejected).put("rejected_count", rejectedCount);
                if (rejected.isEmpty()) {
                    body.put("error", "empty body: send one JSON record or NDJSON lines");
                }
                answer(ctx, 400, body);
                return;
            }
            int failed = failedLines.size();
            JsonObject body = new JsonObject().put("accepted", valid - failed).put("rejected", rejected).put("rejected_count", rejectedCount);
            if (failed > 0) {
                ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
                answer(ctx, 503, body.put("retry_lines", failedLines)
                        .put("error", failed + " valid records could not be handed to Kafka; resend retry_lines later"));
            } else {
                answer(ctx, 202, body);
            }
        }
    }

    private static void answer(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    private static JsonObject rejection(int line, DecodeResult.Invalid invalid) {
        JsonArray errors = new JsonArray();
        for (FieldError error : invalid.errors().subList(0, Math.min(MAX_LISTED_ERRORS, invalid.errors().size()))) {
            errors.add(new JsonObject().put("field", error.field()).put("message", error.message()));
        }
        return new JsonObject().put("line", line).put("reason", invalid.reason()).put("errors", errors)
                .put("error_count", invalid.errors().size());
    }

    private static int indexOf(byte[] bytes, byte value, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return bytes.length;
    }

    /** Length of the line without trailing blanks and CR; 0 for a blank line. */
    private static int trimmedLength(byte[] bytes, int start, int end) {
        int last = end;
        while (last > start && (bytes[last - 1] == '\r' || bytes[last - 1] == ' ' || bytes[last - 1] == '\t')) {
            last--;
        }
        return last - start;
    }
}
