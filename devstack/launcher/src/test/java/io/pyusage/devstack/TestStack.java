package io.pyusage.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestDirectories;
import io.pyusage.common.record.StartupRecordCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The whole devstack on free ports under {@code target/}, one per test JVM, stopped when the JVM
 * exits; plus the HTTP helpers the pipeline tests share.
 */
final class TestStack {

    private static DevStack stack;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestStack() {
    }

    static synchronized DevStack get() throws Exception {
        if (stack == null) {
            Path dir = TestDirectories.underTarget("devstack-");
            stack = DevStack.start(dir, DevStackPorts.free());
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
        }
        return stack;
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Authorization", bearer()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The query API wants the stack's token; the other services ignore it. */
    private static String bearer() throws Exception {
        return "Bearer " + get().apiToken();
    }

    static HttpResponse<String> post(String url, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return StartupRecordCodec.mapper().readTree(response.body());
    }

    /** Polls {@code url} until its JSON answer satisfies {@code done}; returns the last answer either way. */
    static JsonNode awaitJson(String url, Duration timeout, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get(url);
            if (response.statusCode() == 200) {
                last = json(response);
                if (done.test(last)) {
                    return last;
                }
            }
            Thread.sleep(200);
        }
        return last;
    }
}
