package io.pyusage.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pyusage.common.TestDirectories;
import io.pyusage.common.TestRecords;
import io.pyusage.common.config.Env;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.service.Service;
import io.pyusage.devstack.servers.EmbeddedKafka;
import io.pyusage.devstack.servers.FreePorts;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The collector against a real Kafka broker: what arrives in the topic, what is refused, and a broker restart. */
class CollectorIT {

    private static final String TOKEN = "test-token-0123456789";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static EmbeddedKafka kafka;
    private static Vertx vertx;
    private static CollectorService collector;
    private static CollectorConfig config;

    @BeforeAll
    static void start() throws Exception {
        Path dir = TestDirectories.underTarget("collector-it-");
        kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start();
        vertx = Vertx.vertx();
        config = config(Map.of("PYUSAGE_COLLECTOR_TOKEN", TOKEN, "PYUSAGE_COLLECTOR_MAX_BODY_BYTES", String.valueOf(4 * 1024 * 1024)));
        collector = new CollectorService(config);
        collector.start(vertx).await(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (collector != null) {
            collector.stop().await(60, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static CollectorConfig config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(kafka.serviceSettings());
        env.putAll(Map.of(
                "PYUSAGE_KAFKA_PARTITIONS", "3",
                "PYUSAGE_COLLECTOR_HOST", "127.0.0.1",
                "PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(FreePorts.next()),
                "PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(FreePorts.next()),
                "PYUSAGE_COLLECTOR_EVENT_LOOPS", "2"));
        env.putAll(extra);
        return CollectorConfig.from(new Env(env));
    }

    @Test
    void validRecordsOverBothTransportsArriveIntactKeyedByHostAndStamped() throws Exception {
        List<Map<String, Object>> sent = new ArrayList<>();
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            Map<String, Object> record = TestRecords.valid("http-user", "http-host-" + i, List.of(List.of("numpy", "1.26." + i)));
            sent.add(record);
            batch.append(TestRecords.json(record)).append('\n');
        }
        HttpResponse<String> response = post(batch.toString().getBytes(StandardCharsets.UTF_8), "Authorization", "Bearer " + TOKEN,
                "Content-Encoding", "identity");
        assertEquals(202, response.statusCode(), response.body());
        assertEquals(3, json(response).get("accepted").asInt());

        byte[] gzipped = gzip(TestRecords.bytes(addTo(sent, TestRecords.valid("gzip-user", "gzip-host", List.of()))));
        assertEquals(202, post(gzipped, "Authorization", "Bearer " + TOKEN, "Content-Encoding", "gzip").statusCode());

        try (DatagramSocket udp = new DatagramSocket()) {
            for (int i = 0; i < 2; i++) {
                byte[] datagram = withToken(TestRecords.bytes(addTo(sent, TestRecords.valid("udp-user", "udp-host-" + i,
                        List.of(List.of("pandas", "2.2." + i))))));
                udp.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), config.udpPort()));
            }
        }

        Map<String, ConsumerRecord<String, byte[]>> arrived = consume(ids(sent), Duration.ofSeconds(30));
        assertEquals(ids(sent), arrived.keySet());
        for (Map<String, Object> record : sent) {
            ConsumerRecord<String, byte[]> message = arrived.get((String) record.get("event_id"));
            StartupRecord decoded = ((DecodeResult.Valid) StartupRecordCodec.decode(message.value())).record();
            assertEquals(record.get("host"), message.key(), "keyed by host");
            assertEquals(record.get("user"), decoded.user());
            assertEquals(((List<?>) record.get("packages")).size(), decoded.packages().size());
            assertEquals("127.0.0.1", decoded.sourceIp());
            assertTrue(Math.abs(decoded.receivedAt() - System.currentTimeMillis() / 1000.0) < 120, "received_at stamped");
        }
    }

    @Test
    void badInputIsRejectedWithAClearAnswerAndCountedByReason() throws Exception {
        double tooLargeBefore = count("pyusage_collector_rejected", "http", "too_large");
        double malformedBefore = count("pyusage_collector_rejected", "http", "malformed_json");
        double notUtf8Before = count("pyusage_collector_rejected", "http", "not_utf8");
        Map<String, Object> hugeList = TestRecords.valid();
        List<List<String>> packages = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            packages.add(List.of("p" + i, "1"));
        }
        hugeList.put("packages", packages);
        HttpResponse<String> tooMany = post(TestRecords.bytes(hugeList), "Authorization", "Bearer " + TOKEN);
        assertEquals(400, tooMany.statusCode());
        assertEquals("too_large", json(tooMany).at("/rejected/0/reason").asText(), tooMany.body());

        byte[] invalidUtf8 = {'{', '"', 'u', 's', 'e', 'r', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        String corpus = String.join("\n", TestRecords.json(TestRecords.valid()), "{\"schema\":1,", "{\"pid\":" + "9".repeat(2000) + "}",
                "[".repeat(5000), new String(invalidUtf8, StandardCharsets.ISO_8859_1));
        byte[] body = corpus.getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> mixed = post(body, "Authorization", "Bearer " + TOKEN);
        assertEquals(202, mixed.statusCode(), mixed.body());
        JsonNode answer = json(mixed);
        assertEquals(1, answer.get("accepted").asInt());
        assertEquals(List.of(2, 3, 4, 5), lines(answer.get("rejected")));

        byte[] tooLarge = new byte[4 * 1024 * 1024 + 1];
        HttpResponse<String> overLimit = post(tooLarge, "Authorization", "Bearer " + TOKEN);
        assertEquals(413, overLimit.statusCode());
        assertTrue(json(overLimit).get("error").asText().contains("smaller batches"), overLimit.body());
        assertEquals(1, count("pyusage_collector_rejected", "http", "too_large") - tooLargeBefore);
        assertEquals(3, count("pyusage_collector_rejected", "http", "malformed_json") - malformedBefore);
        assertEquals(1, count("pyusage_collector_rejected", "http", "not_utf8") - notUtf8Before);

        double udpBefore = count("pyusage_collector_rejected", "udp", "malformed_json");
        try (DatagramSocket udp = new DatagramSocket()) {
            byte[] garbage = withToken("{not json".getBytes(StandardCharsets.UTF_8));
            udp.send(new DatagramPacket(garbage, garbage.length, InetAddress.getLoopbackAddress(), config.udpPort()));
        }
        awaitCount("pyusage_collector_rejected", "udp", "malformed_json", udpBefore + 1);
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(metrics.body().contains("pyusage_collector_rejected_total{reason=\"malformed_json\",service=\"collector\",transport=\"udp\"}"),
                "rejections visible in /metrics");
    }

    @Test
    void textThatIsNotUtf8OrNamesThatShowAsOtherNamesAreRefusedWithTheirReasonOnBothTransports() throws Exception {
        String json = TestRecords.json(TestRecords.valid("mallory", "h-text", List.of()));
        byte[] overlong = json.replace("mallory", "mal\u0001ory").getBytes(StandardCharsets.UTF_8);
        int at = new String(overlong, StandardCharsets.ISO_8859_1).indexOf('\u0001');
        overlong = Arrays.copyOf(overlong, overlong.length + 1);
        System.arraycopy(overlong, at + 1, overlong, at + 2, overlong.length - at - 2);
        overlong[at] = (byte) 0xC0;
        overlong[at + 1] = (byte) 0xAF; // '/' in two bytes
        // An encoded surrogate (ED A0 80) cannot come from a Java string: it is written byte by byte.
        byte[] surrogate = json.replace("mallory", "malXXXory").getBytes(StandardCharsets.UTF_8);
        int x = new String(surrogate, StandardCharsets.ISO_8859_1).indexOf("XXX");
        surrogate[x] = (byte) 0xED;
        surrogate[x + 1] = (byte) 0xA0;
        surrogate[x + 2] = (byte) 0x80;
        List<byte[]> refusedText = List.of(json.getBytes(StandardCharsets.UTF_16LE), json.getBytes(StandardCharsets.UTF_16), overlong, surrogate);
        List<byte[]> deceptive = List.of(json.replace("mallory", "adm\u202Enimi").getBytes(StandardCharsets.UTF_8),
                json.replace("mallory", "al\u200Bice").getBytes(StandardCharsets.UTF_8),
                json.replace("mallory", "al\\u200bice").getBytes(StandardCharsets.UTF_8), // the same as a JSON escape
                json.replace("mallory", "lone\\ud800").getBytes(StandardCharsets.UTF_8));

        double notUtf8Before = count("pyusage_collector_rejected", "http", "not_utf8");
        double schemaBefore = count("pyusage_collector_rejected", "http", "schema");
        for (byte[] body : refusedText) {
            HttpResponse<String> answer = post(body, "Authorization", "Bearer " + TOKEN);
            assertEquals(400, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("not UTF-8 JSON text"), answer.body());
        }
        for (byte[] body : deceptive) {
            HttpResponse<String> answer = post(body, "Authorization", "Bearer " + TOKEN);
            assertEquals(400, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("invisible or direction-changing"), answer.body());
        }
        assertEquals(refusedText.size(), count("pyusage_collector_rejected", "http", "not_utf8") - notUtf8Before);
        assertEquals(deceptive.size(), count("pyusage_collector_rejected", "http", "schema") - schemaBefore);

        double udpBefore = count("pyusage_collector_rejected", "udp", "not_utf8");
        try (DatagramSocket udp = new DatagramSocket()) {
            for (byte[] body : refusedText) {
                byte[] datagram = withToken(body);
                udp.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), config.udpPort()));
            }
        }
        awaitCount("pyusage_collector_rejected", "udp", "not_utf8", udpBefore + refusedText.size());
    }

    /** The datagram a hook with the collector's token sends: the token line, then the record. */
    private static byte[] withToken(byte[] record) {
        byte[] line = ("Bearer " + TOKEN + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] datagram = Arrays.copyOf(line, line.length + record.length);
        System.arraycopy(record, 0, datagram, line.length, record.length);
        return datagram;
    }

    @Test
    void overUdpADatagramWithoutTheTokenIsDroppedAndCountedAndTheTokenLineNeverReachesKafka() throws Exception {
        double before = count("pyusage_collector_dropped", "udp", RecordIntake.UNAUTHORIZED);
        Map<String, Object> bare = TestRecords.valid("no-token", "udp-host", List.of());
        Map<String, Object> wrong = TestRecords.valid("wrong-token", "udp-host", List.of());
        Map<String, Object> right = TestRecords.valid("right-token", "udp-host", List.of());
        byte[] wrongLine = ("Bearer " + TOKEN + "x\n" + TestRecords.json(wrong)).getBytes(StandardCharsets.UTF_8);
        try (DatagramSocket udp = new DatagramSocket()) {
            for (byte[] datagram : List.of(TestRecords.bytes(bare), wrongLine, withToken(TestRecords.bytes(right)))) {
                udp.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), config.udpPort()));
            }
        }
        awaitCount("pyusage_collector_dropped", "udp", RecordIntake.UNAUTHORIZED, before + 2);
        assertEquals(before + 2, count("pyusage_collector_dropped", "udp", RecordIntake.UNAUTHORIZED));
        Set<String> ids = Set.of((String) right.get("event_id"), (String) bare.get("event_id"), (String) wrong.get("event_id"));
        Map<String, ConsumerRecord<String, byte[]>> arrived = consume(ids, Duration.ofSeconds(10));
        assertEquals(Set.of((String) right.get("event_id")), arrived.keySet(), "only the datagram with the token");
        byte[] stored = arrived.get((String) right.get("event_id")).value();
        assertEquals('{', stored[0], "the token line is removed before Kafka");
        assertFalse(new String(stored, StandardCharsets.UTF_8).contains(TOKEN));
    }

    @Test
    void aPostFromAWebPageIsRefusedBeforeItsBodyIsRead() throws Exception {
        double crossSiteBefore = count("pyusage_collector_dropped", "http", RecordIntake.CROSS_SITE);
        Map<String, Object> record = TestRecords.valid("cross-site", "evil-host", List.of());
        HttpResponse<String> fromPage = post(TestRecords.bytes(record), "Origin", "http://evil.example", "Content-Type", "text/plain");
        assertEquals(403, fromPage.statusCode(), fromPage.body());
        // Even with the token: a page may have learnt it, a hook never sends Origin.
        assertEquals(403, post(TestRecords.bytes(record), "Origin", "http://evil.example", "Authorization", "Bearer " + TOKEN).statusCode());
        assertEquals(crossSiteBefore + 2, count("pyusage_collector_dropped", "http", RecordIntake.CROSS_SITE));
        HttpResponse<String> asText = post(TestRecords.bytes(record), "Content-Type", "text/plain;charset=UTF-8", "Authorization", "Bearer " + TOKEN);
        assertEquals(415, asText.statusCode(), asText.body());
        assertTrue(consume(Set.of((String) record.get("event_id")), Duration.ofSeconds(3)).isEmpty(), "nothing reached Kafka");
    }

    @Test
    void anAnswerNamesTheFirstHundredRejectedLinesAndCountsThemAll() throws Exception {
        byte[] body = gzip("{}\n".repeat(5_000).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = post(body, "Authorization", "Bearer " + TOKEN, "Content-Encoding", "gzip");
        assertEquals(400, response.statusCode());
        JsonNode answer = json(response);
        assertEquals(HttpIngest.MAX_LISTED_REJECTIONS, answer.get("rejected").size());
        assertEquals(5_000, answer.get("rejected_count").asInt());
        assertEquals(1, answer.get("rejected").get(0).get("line").asInt());
        assertEquals(HttpIngest.MAX_LISTED_ERRORS, answer.get("rejected").get(0).get("errors").size());
        assertTrue(answer.get("rejected").get(0).get("error_count").asInt() > HttpIngest.MAX_LISTED_ERRORS, answer.toString());
        assertTrue(response.body().length() < 64 * 1024, "bounded: " + response.body().length() + " characters");
    }

    @Test
    void aHalfSentRequestIsClosedOnceTheConnectionIsIdle() throws Exception {
        CollectorConfig quick = config(Map.of("PYUSAGE_COLLECTOR_IDLE_TIMEOUT_SECONDS", "1"));
        CollectorService service = new CollectorService(quick);
        service.start(vertx).await(60, TimeUnit.SECONDS);
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), quick.httpPort())) {
            socket.getOutputStream().write("POST /v1/startups HTTP/1.1\r\nHost: x\r\nContent-Len".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // Far longer than the idle timeout: a read that ends in EOF means the server closed the connection.
            socket.setSoTimeout(60_000);
            assertEquals(-1, socket.getInputStream().read(), "the collector closed the idle connection");
        } finally {
            service.stop().await(60, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "trickled {0}")
    @ValueSource(strings = {"headers", "body"})
    void aRequestTrickledSlowerThanItsDeadlineIsCutWhateverItsPace(String part) throws Exception {
        CollectorConfig quick = config(Map.of("PYUSAGE_COLLECTOR_REQUEST_SECONDS", "1", "PYUSAGE_COLLECTOR_IDLE_TIMEOUT_SECONDS", "30"));
        CollectorService service = new CollectorService(quick);
        service.start(vertx).await(60, TimeUnit.SECONDS);
        byte[] record = TestRecords.bytes(TestRecords.valid());
        String headers = "POST /v1/startups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + record.length + "\r\n\r\n";
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), quick.httpPort())) {
            java.io.OutputStream out = socket.getOutputStream();
            if (part.equals("body")) {
                out.write(headers.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] trickled = part.equals("body") ? record : headers.getBytes(StandardCharsets.US_ASCII);
            // One byte every 200 ms, far inside the 30 s idle timeout: only the request deadline can end it.
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            Thread trickler = new Thread(() -> {
                try {
                    for (byte b : trickled) {
                        out.write(b);
                        out.flush();
                        sent.incrementAndGet();
                        Thread.sleep(200);
                    }
                } catch (java.io.IOException | InterruptedException closed) {
                    // the server closed the connection
                }
            });
            trickler.start();
            socket.setSoTimeout(120_000);
            assertEquals(-1, socket.getInputStream().read(), "the collector closed the connection without an answer");
            trickler.interrupt();
            trickler.join();
            assertTrue(sent.get() < trickled.length, "closed before the request had arrived: " + sent.get() + " of " + trickled.length);
        } finally {
            service.stop().await(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutTheTokenHttpAnswers401() throws Exception {
        byte[] record = TestRecords.bytes(TestRecords.valid());
        HttpResponse<String> none = post(record);
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"pyusage\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, post(record, "Authorization", "Bearer " + TOKEN + "x").statusCode());
        assertEquals(202, post(record, "Authorization", "Bearer " + TOKEN).statusCode());
    }

    @Test
    void sendersOutsideTheAllowListAreDroppedAndCounted() throws Exception {
        CollectorConfig restricted = config(Map.of("PYUSAGE_COLLECTOR_ALLOWED_SOURCES", "127.0.0.2/32"));
        CollectorService service = new CollectorService(restricted);
        service.start(vertx).await(60, TimeUnit.SECONDS);
        try {
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restricted.httpPort() + HttpIngest.PATH))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(TestRecords.bytes(TestRecords.valid()))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode());

            Map<String, Object> fromAllowed = TestRecords.valid("allowed", "allowed-host", List.of());
            try (DatagramSocket outside = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                 DatagramSocket inside = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
                byte[] denied = TestRecords.bytes(TestRecords.valid());
                outside.send(new DatagramPacket(denied, denied.length, InetAddress.getLoopbackAddress(), restricted.udpPort()));
                byte[] allowed = TestRecords.bytes(fromAllowed);
                inside.send(new DatagramPacket(allowed, allowed.length, InetAddress.getLoopbackAddress(), restricted.udpPort()));
            }
            assertEquals(Set.of((String) fromAllowed.get("event_id")), consume(Set.of((String) fromAllowed.get("event_id")), Duration.ofSeconds(30)).keySet());
            assertEquals(1, counter(service.registry(), "pyusage_collector_dropped", "udp", RecordIntake.SOURCE_NOT_ALLOWED));
            assertEquals(1, counter(service.registry(), "pyusage_collector_dropped", "http", RecordIntake.SOURCE_NOT_ALLOWED));
        } finally {
            service.stop().await(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Senders keep posting while the broker is stopped and started again: requests wait while it is
     * down (the health says so), and every record answered with 202 is in the topic exactly once.
     */
    @Test
    void everyAcknowledgedRecordArrivesExactlyOnceAcrossABrokerRestart() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService senders = Executors.newFixedThreadPool(3);
        List<Future<Integer>> results = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int sender = s;
            results.add(senders.submit(() -> sendUntilStopped(sender, sending, acknowledged)));
        }
        Thread.sleep(1500);
        kafka.stop();
        long downSince = System.nanoTime();
        JsonNode health = null;
        while (System.nanoTime() - downSince < TimeUnit.SECONDS.toNanos(30)) {
            health = json(HTTP.send(HttpRequest.newBuilder(URI.create(url("/health"))).build(), HttpResponse.BodyHandlers.ofString()));
            if ("DEGRADED".equals(health.get("status").asText())) {
                break;
            }
            Thread.sleep(500);
        }
        assertEquals("DEGRADED", health.get("status").asText(), "health while the broker is down: " + health);
        assertTrue(health.has("kafka_problem"));
        kafka.start();
        Thread.sleep(2000);
        sending.set(false);
        int failures = 0;
        for (Future<Integer> result : results) {
            failures += result.get(5, TimeUnit.MINUTES);
        }
        senders.shutdown();
        assertEquals(0, failures, "no request may fail while the buffer has room");
        assertTrue(acknowledged.size() > 60, "too few records sent to test anything: " + acknowledged.size());

        Map<String, Integer> copies = new HashMap<>();
        consume(acknowledged, Duration.ofSeconds(60), copies);
        assertEquals(acknowledged, copies.keySet(), "every acknowledged record arrived");
        assertTrue(copies.values().stream().allMatch(n -> n == 1), "no record arrived twice");
        JsonNode after = json(HTTP.send(HttpRequest.newBuilder(URI.create(url("/health"))).build(), HttpResponse.BodyHandlers.ofString()));
        assertEquals("UP", after.get("status").asText(), after.toString());
    }

    /**
     * With the buffer in front of Kafka full, a batch gets 503 with {@code Retry-After}, the lines
     * to resend and the rest accepted; resent after the broker is back, every record is in the topic
     * exactly once.
     */
    @Test
    void aFullBufferAnswers503WithTheLinesToResend() throws Exception {
        CollectorConfig tight = config(Map.of("PYUSAGE_COLLECTOR_BUFFER_RECORDS", "2"));
        CollectorService small = new CollectorService(tight);
        small.start(vertx).await(60, TimeUnit.SECONDS);
        ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor();
        try {
            List<String> lines = new ArrayList<>();
            List<Map<String, Object>> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                lines.add(TestRecords.json(addTo(sent, TestRecords.valid("full-buffer", "full-buffer-host-" + i,
                        List.of(List.of("numpy", "1.26.4"))))));
            }
            kafka.stop();
            // The broker comes back while the request waits for the records the buffer took.
            ScheduledFuture<EmbeddedKafka> restarted = restarter.schedule(() -> kafka.start(), 3, TimeUnit.SECONDS);
            HttpResponse<String> full = post(tight, String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
            restarted.get(2, TimeUnit.MINUTES);
            assertEquals(503, full.statusCode(), full.body());
            assertTrue(full.headers().firstValue("Retry-After").isPresent());
            JsonNode answer = json(full);
            List<Integer> retry = new ArrayList<>();
            answer.get("retry_lines").forEach(line -> retry.add(line.asInt()));
            assertFalse(retry.isEmpty(), answer.toString());
            assertEquals(10, answer.get("accepted").asInt() + retry.size(), answer.toString());

            // A client resends what was refused until nothing is: a buffer of two takes a few rounds.
            List<String> pending = retry.stream().map(line -> lines.get(line - 1)).toList();
            for (int round = 0; !pending.isEmpty() && round < 100; round++) {
                List<String> sending = pending;
                HttpResponse<String> again = post(tight, String.join("\n", sending).getBytes(StandardCharsets.UTF_8));
                List<String> refused = new ArrayList<>();
                if (again.statusCode() == 503) {
                    json(again).get("retry_lines").forEach(line -> refused.add(sending.get(line.asInt() - 1)));
                } else {
                    assertEquals(202, again.statusCode(), again.body());
                }
                assertTrue(refused.size() < pending.size(), "each round hands some records to Kafka: " + again.body());
                pending = refused;
            }
            assertEquals(List.of(), pending);

            Map<String, Integer> copies = new HashMap<>();
            consume(ids(sent), Duration.ofSeconds(60), copies);
            assertEquals(ids(sent), copies.keySet(), "every record arrived");
            assertTrue(copies.values().stream().allMatch(n -> n == 1), "none twice: " + copies);
        } finally {
            restarter.shutdown();
            restarter.awaitTermination(60, TimeUnit.SECONDS);
            small.stop().await(60, TimeUnit.SECONDS);
        }
    }

    private static int sendUntilStopped(int sender, AtomicBoolean sending, Set<String> acknowledged) throws Exception {
        int failures = 0;
        for (int batch = 0; sending.get(); batch++) {
            List<String> ids = new ArrayList<>();
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                Map<String, Object> record = TestRecords.valid("restart-" + sender, "restart-host-" + i, List.of(List.of("numpy", "1.26.4")));
                ids.add((String) record.get("event_id"));
                body.append(TestRecords.json(record)).append('\n');
            }
            HttpResponse<String> response = post(body.toString().getBytes(StandardCharsets.UTF_8), "Authorization", "Bearer " + TOKEN);
            if (response.statusCode() == 202) {
                acknowledged.addAll(ids);
            } else {
                failures++;
            }
            Thread.sleep(50);
        }
        return failures;
    }

    private static Map<String, Object> addTo(List<Map<String, Object>> sent, Map<String, Object> record) {
        sent.add(record);
        return record;
    }

    private static Set<String> ids(List<Map<String, Object>> records) {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        records.forEach(r -> ids.add((String) r.get("event_id")));
        return ids;
    }

    private static List<Integer> lines(JsonNode rejected) {
        List<Integer> lines = new ArrayList<>();
        rejected.forEach(r -> lines.add(r.get("line").asInt()));
        return lines;
    }

    private static Map<String, ConsumerRecord<String, byte[]>> consume(Set<String> wanted, Duration timeout) {
        return consume(wanted, timeout, new HashMap<>());
    }

    /** Reads the topic from the start until every wanted event id is seen; counts copies of each. */
    private static Map<String, ConsumerRecord<String, byte[]>> consume(Set<String> wanted, Duration timeout, Map<String, Integer> copies) {
        Map<String, ConsumerRecord<String, byte[]>> found = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(config.kafka().topic()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !found.keySet().containsAll(wanted)) {
                for (ConsumerRecord<String, byte[]> message : consumer.poll(Duration.ofMillis(500))) {
                    String id = StartupRecordCodec.decode(message.value()) instanceof DecodeResult.Valid valid ? valid.record().eventId() : null;
                    if (wanted.contains(id)) {
                        found.put(id, message);
                        copies.merge(id, 1, Integer::sum);
                    }
                }
            }
            // Anything still coming would be a duplicate: read on briefly.
            for (ConsumerRecord<String, byte[]> message : consumer.poll(Duration.ofSeconds(1))) {
                String id = StartupRecordCodec.decode(message.value()) instanceof DecodeResult.Valid valid ? valid.record().eventId() : null;
                if (wanted.contains(id)) {
                    copies.merge(id, 1, Integer::sum);
                }
            }
        }
        return found;
    }

    private static HttpResponse<String> post(byte[] body, String... headers) throws Exception {
        return post(config, body, headers);
    }

    private static HttpResponse<String> post(CollectorConfig target, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.httpPort() + HttpIngest.PATH))
                .timeout(Duration.ofMinutes(3))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + config.httpPort() + path;
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return StartupRecordCodec.mapper().readTree(response.body());
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static double count(String name, String transport, String reason) {
        return counter(collector.registry(), name, transport, reason);
    }

    private static double counter(MeterRegistry registry, String name, String transport, String reason) {
        Counter counter = registry.find(name).tag("transport", transport).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private static void awaitCount(String name, String transport, String reason, double expected) throws InterruptedException {
        for (int i = 0; i < 100 && count(name, transport, reason) < expected; i++) {
            Thread.sleep(100);
        }
        assertEquals(expected, count(name, transport, reason));
    }
}
