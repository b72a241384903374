package io.pyusage.devstack;

import java.io.IOException;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Waits for a count in ClickHouse to reach what was sent, or to stop growing: how the burst test and
 * the collector benchmark learn how many of their starts arrived.
 */
public final class StoredCount {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * A count unchanged for this long is taken as final: longer than the aggregator's longest backoff
     * after a failed write (the embedded default's is 5 s), so a retried batch is still waited for.
     */
    private static final Duration QUIET = Duration.ofSeconds(20);

    private StoredCount() {
    }

    /**
     * Polls {@code countSql} (one number) on {@code clickHouse} until it reaches {@code expected},
     * stays unchanged for twenty seconds, or {@code max} has passed; returns the last count.
     */
    public static long await(EmbeddedClickHouse clickHouse, String countSql, long expected, Duration max) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long count = count(clickHouse, countSql);
        long changed = System.nanoTime();
        while (count < expected && System.nanoTime() < deadline && System.nanoTime() - changed < QUIET.toNanos()) {
            Thread.sleep(200);
            long now = count(clickHouse, countSql);
            if (now != count) {
                count = now;
                changed = System.nanoTime();
            }
        }
        return count;
    }

    public static long count(EmbeddedClickHouse clickHouse, String countSql) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(clickHouse.request("/?query="
                + URLEncoder.encode(countSql, StandardCharsets.UTF_8)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("ClickHouse answered " + response.statusCode() + ": " + response.body());
        }
        return Long.parseLong(response.body().trim());
    }
}
