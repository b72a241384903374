package io.pyusage.collector;

import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.FieldError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/startups}: one JSON record, or NDJSON with one record per line. Good lines are
 * accepted even when others in the same batch are not; the answer names each rejected line.
 * 202 once every accepted record is acknowledged by Kafka, 400 when no line was valid, 503 with
 * {@code Retry-After} when the buffer in front of Kafka is full or Kafka failed.
 */
public final class HttpIngest {

    static final String TRANSPORT = "http";
    static final String PATH = "/v1/startups";
    private static final String RETRY_AFTER_SECONDS = "5";

    private final RecordIntake intake;

    public HttpIngest(RecordIntake intake) {
        this.intake = intake;
    }

    public void mount(Router router, int maxBodyBytes) {
        router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
        router.post(PATH).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String sourceIp = ctx.request().remoteAddress().host();
        List<Future<Void>> sends = new ArrayList<>();
        JsonArray rejected = new JsonArray();
        int line = 0;
        int start = 0;
        while (start <= body.length) {
            int end = indexOf(body, (byte) '\n', start);
            line++;
            int length = trimmedLength(body, start, end);
            if (length > 0) {
                DecodeResult result = intake.decode(TRANSPORT, body, start, length);
                if (result instanceof DecodeResult.Valid valid) {
                    sends.add(intake.publish(TRANSPORT, valid, sourceIp));
                } else if (result instanceof DecodeResult.Invalid invalid) {
                    rejected.add(rejection(line, invalid));
                }
            }
            start = end + 1;
        }
        if (sends.isEmpty()) {
            JsonObject answer = new JsonObject().put("accepted", 0).put("rejected", rejected);
            if (rejected.isEmpty()) {
                answer.put("error", "empty body: send one JSON record or NDJSON lines");
            }
            ctx.response().setStatusCode(400).putHeader("Content-Type", "application/json").end(answer.encode());
            return;
        }
        Future.join(sends).onComplete(done -> {
            long accepted = sends.stream().filter(Future::succeeded).count();
            JsonObject answer = new JsonObject().put("accepted", accepted).put("rejected", rejected);
            if (accepted < sends.size()) {
                ctx.response().setStatusCode(503).putHeader("Retry-After", RETRY_AFTER_SECONDS)
                        .putHeader("Content-Type", "application/json")
                        .end(answer.put("error", (sends.size() - accepted) + " valid records could not be handed to Kafka; retry later").encode());
            } else {
                ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(answer.encode());
            }
        });
    }

    private static JsonObject rejection(int line, DecodeResult.Invalid invalid) {
        JsonArray errors = new JsonArray();
        for (FieldError error : invalid.errors()) {
            errors.add(new JsonObject().put("field", error.field()).put("message", error.message()));
        }
        return new JsonObject().put("line", line).put("reason", invalid.reason()).put("errors", errors);
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
