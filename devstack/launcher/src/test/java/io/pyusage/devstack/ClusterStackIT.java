package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestDirectories;
import io.pyusage.common.TestRecords;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded cluster of {@code ./pyusage up --cluster}: starts posted to either collector are
 * answered by the query API; with the replica every service uses killed, writes and answers go on
 * through the other; with ZooKeeper stopped for 30 s the aggregators pause and say so. After each
 * failure every acknowledged start is stored exactly once on both replicas (the raw starts: see
 * docs/operations.md for the rollups).
 */
class ClusterStackIT {

    private static ClusterStack stack;

    @BeforeAll
    static void start() throws Exception {
        // Below the ephemeral port range, so that no client's port can take one of the cluster's.
        int base = 21_000 + (int) (ProcessHandle.current().pid() % 200) * 50;
        stack = ClusterStack.start(TestDirectories.underTarget("cluster-stack-"), new ClusterPorts(base));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static List<String> post(int collector, String user, int count) throws Exception {
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, Object> record = TestRecords.valid(user, "node-" + i, List.of(List.of("numpy", "1.26.4")));
            HttpResponse<String> response = TestStack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.collectorHttpUrl(collector) + "/v1/startups"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(TestRecords.json(record))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, response.statusCode(), response.body());
            acknowledged.add((String) record.get("event_id"));
        }
        return acknowledged;
    }

    private static ClickHouseStore replica(int index) {
        EmbeddedClickHouse server = stack.clickHouse().replica(index);
        return new ClickHouseStore(new ClickHouseConfig(URI.create(server.httpUrl()), DevStack.DATABASE, "default", server.password(),
                Duration.ofSeconds(30)));
    }

    private static long count(ClickHouseStore store, String sql) {
        return store.query(sql).get(0).get("n").asLong();
    }

    private static void awaitCount(ClickHouseStore store, String sql, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long seen;
        while ((seen = count(store, sql)) < expected && System.nanoTime() < deadline) {
            Thread.sleep(300);
        }
        assertEquals(expected, seen, sql);
    }

    /** The status a service's {@code /health} gives ({@code UP}, {@code DEGRADED} or {@code DOWN}). */
    private static String health(String aggregatorUrl) throws Exception {
        HttpResponse<String> response = TestStack.HTTP.send(HttpRequest.newBuilder(URI.create(aggregatorUrl + "/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return TestStack.json(response).get("status").asText();
    }

    /** The query API's answer about {@code user}'s starts of the last week. */
    private static HttpResponse<String> userAnswer(String user) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.queryApiUrl() + "/api/v1/users/" + user + "?since=7d"))
                .header("Authorization", "Bearer " + stack.apiToken()).timeout(Duration.ofSeconds(30)).build();
        return TestStack.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Waits up to a minute for the query API to count {@code starts} starts of {@code user}. */
    private static void awaitAnswer(String user, int starts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String body = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = userAnswer(user);
            body = response.body();
            if (response.statusCode() == 200 && Pattern.compile("\"starts\":" + starts + "\\b").matcher(body).find()) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("the query API never answered " + user + "'s " + starts + " starts: " + body);
    }

    @Test
    void startsPostedToEitherCollectorAreAnsweredByTheQueryApi() throws Exception {
        post(1, "ada", 3);
        post(2, "ada", 2);
        awaitAnswer("ada", 5);
    }

    @Test
    void withAReplicaKilledWritesGoOnThroughTheOtherAndTheQueryApiAnswersThroughout() throws Exception {
        String ofUser = " FROM starts WHERE user = 'hedy'";
        List<String> acknowledged = new ArrayList<>(post(1, "hedy", 10));
        try (ClickHouseStore first = replica(0); ClickHouseStore second = replica(1)) {
            awaitCount(second, "SELECT count() AS n" + ofUser, 10);
            // The first URL of every service's list: the replica they all use.
            stack.clickHouse().replica(0).kill();
            try {
                long killedAt = System.nanoTime();
                while (System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(20)) {
                    acknowledged.addAll(post(1 + acknowledged.size() % 2, "hedy", 5));
                    HttpResponse<String> answer = userAnswer("hedy");
                    assertEquals(200, answer.statusCode(), answer.body());
                    Thread.sleep(500);
                }
                awaitCount(second, "SELECT count() AS n" + ofUser, acknowledged.size());
                awaitAnswer("hedy", acknowledged.size());
            } finally {
                stack.clickHouse().replica(0).start();
            }
            awaitCount(first, "SELECT count() AS n" + ofUser, acknowledged.size());
            Thread.sleep(3_000);
            for (ClickHouseStore store : List.of(first, second)) {
                assertEquals(acknowledged.size(), count(store, "SELECT count() AS n" + ofUser), "rows of hedy");
                assertEquals(acknowledged.size(), count(store, "SELECT uniqExact(event_id) AS n" + ofUser), "distinct starts of hedy");
            }
        }
    }

    @Test
    void withZooKeeperStoppedTheAggregatorsPauseAndThenStoreEveryStartOnce() throws Exception {
        String ofUser = " FROM starts WHERE user = 'grace'";
        List<String> acknowledged = new ArrayList<>(post(1, "grace", 20));
        try (ClickHouseStore first = replica(0); ClickHouseStore second = replica(1)) {
            awaitCount(second, "SELECT count() AS n" + ofUser, 20);
            stack.clickHouse().zooKeeper().stop();
            long stoppedAt = System.nanoTime();
            boolean degraded = false;
            // Starts keep coming while ZooKeeper is away: Kafka holds them.
            while (System.nanoTime() - stoppedAt < TimeUnit.SECONDS.toNanos(30)) {
                acknowledged.addAll(post(1 + acknowledged.size() % 2, "grace", 5));
                degraded |= health(stack.aggregatorUrl(1)).equals("DEGRADED") || health(stack.aggregatorUrl(2)).equals("DEGRADED");
                Thread.sleep(1_000);
            }
            assertTrue(degraded, "an aggregator said it was degraded while its writes failed");
            stack.clickHouse().zooKeeper().start();
            for (ClickHouseStore store : List.of(first, second)) {
                awaitCount(store, "SELECT count() AS n" + ofUser, acknowledged.size());
            }
            Thread.sleep(3_000);
            for (ClickHouseStore store : List.of(first, second)) {
                assertEquals(acknowledged.size(), count(store, "SELECT count() AS n" + ofUser), "rows of grace");
                assertEquals(acknowledged.size(), count(store, "SELECT uniqExact(event_id) AS n" + ofUser), "distinct starts of grace");
                // Not the rollups: an insert cut by the session's expiry can lose its views' rows (docs/operations.md).
            }
        }
        assertEquals("UP", health(stack.aggregatorUrl(1)));
        assertEquals("UP", health(stack.aggregatorUrl(2)));
    }
}
