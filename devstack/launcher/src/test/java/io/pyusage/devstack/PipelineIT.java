package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestRecords;
import io.pyusage.common.record.CheckedPackagesHeaders;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The collector, aggregator and query API against the real broker and ClickHouse server. */
class PipelineIT {

    private static List<List<String>> onlyPackage(String name, String version) {
        return List.of(List.of(name, version));
    }

    /**
     * An array job's worth of starts in one burst at full speed from one sender: every one of them
     * is stored (counted in ClickHouse, not timed).
     */
    @Test
    void aBurstOfThreeThousandStartsAtFullSpeedIsStoredWhole() throws Exception {
        DevStack stack = TestStack.get();
        String user = "burst-" + UUID.randomUUID().toString().substring(0, 8);
        List<List<String>> packages = new ArrayList<>();
        for (int p = 0; p < 80; p++) {
            packages.add(List.of("package-" + p, "1." + p + ".0"));
        }
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            records.add(TestRecords.bytes(TestRecords.valid(user, "node" + i % 500, packages)));
        }
        URI udp = URI.create(stack.collectorUdpEndpoint());
        UdpBurst.Sent sent = UdpBurst.send(new InetSocketAddress(udp.getHost(), udp.getPort()), records, 1, 0);

        long stored = StoredCount.await(stack.clickHouse(), "SELECT count() FROM pyusage.starts WHERE user = '" + user + "'",
                sent.datagrams(), Duration.ofSeconds(120));
        assertEquals(3_000, stored, "starts of the burst stored (" + sent.perSecond() + " datagrams/s offered)");
    }

    // The waits below check the rows as well as the total: a list's page and its total are two
    // queries, and one may see a start the other did not yet.
    @Test
    void httpBatchAcceptsGoodLinesAndNamesEachBadOne() throws Exception {
        DevStack stack = TestStack.get();
        String pkg = "batch-" + UUID.randomUUID().toString().substring(0, 8);
        String good1 = TestRecords.json(TestRecords.valid("bob", "node07", onlyPackage(pkg, "1.0")));
        Map<String, Object> badRecord = TestRecords.valid("bob", "node07", onlyPackage(pkg, "1.0"));
        badRecord.put("event_id", "nope");
        String good2 = TestRecords.json(TestRecords.valid("carol", "node08", onlyPackage(pkg, "2.0")));
        String body = good1 + "\n" + TestRecords.json(badRecord) + "\n{broken\n\n" + good2 + "\n";

        HttpResponse<String> response = TestStack.post(stack.collectorHttpUrl() + "/v1/startups", body.getBytes(StandardCharsets.UTF_8));
        assertEquals(202, response.statusCode(), response.body());
        JsonNode answer = TestStack.json(response);
        assertEquals(2, answer.get("accepted").asInt());
        assertEquals(2, answer.get("rejected").size());
        assertEquals(2, answer.get("rejected").get(0).get("line").asInt());
        assertEquals("event_id", answer.get("rejected").get(0).get("errors").get(0).get("field").asText());
        assertEquals(3, answer.get("rejected").get(1).get("line").asInt());
        assertEquals("malformed_json", answer.get("rejected").get(1).get("reason").asText());

        JsonNode users = TestStack.awaitJson(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users",
                Duration.ofSeconds(30), a -> a.path("total").asInt() == 2 && a.path("rows").size() == 2);
        assertEquals(2, users.path("total").asInt(), users.toString());
        Set<String> names = new TreeSet<>();
        users.path("rows").forEach(u -> names.add(u.path("user").asText()));
        assertEquals(Set.of("bob", "carol"), names);
        JsonNode onlyV2 = TestStack.json(TestStack.get(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users?version=2.0"));
        assertEquals(1, onlyV2.path("total").asInt());
        assertEquals("carol", onlyV2.path("rows").get(0).path("user").asText());
        assertEquals(1, onlyV2.path("rows").get(0).path("hosts").asInt(), "node08");
        JsonNode node08 = TestStack.json(TestStack.get(stack.queryApiUrl() + "/api/v1/hosts/node08"));
        assertEquals("carol", node08.path("rows").get(0).path("users").get(0).asText(), node08.toString());
    }

    @Test
    void gzipUdpAndBadRequestsBehaveAsDocumented() throws Exception {
        DevStack stack = TestStack.get();
        String pkg = "udp-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] datagram = TestRecords.bytes(TestRecords.valid("dave", "node09", onlyPackage(pkg, "0.1")));
        URI udp = URI.create(stack.collectorUdpEndpoint());
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.send(new DatagramPacket("garbage".getBytes(StandardCharsets.UTF_8), 7, InetAddress.getByName(udp.getHost()), udp.getPort()));
            socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getByName(udp.getHost()), udp.getPort()));
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(TestRecords.bytes(TestRecords.valid("erin", "node10", onlyPackage(pkg, "0.2"))));
        }
        HttpResponse<String> gzipped = TestStack.post(stack.collectorHttpUrl() + "/v1/startups", gz.toByteArray(), "Content-Encoding", "gzip");
        assertEquals(202, gzipped.statusCode(), gzipped.body());
        assertEquals(400, TestStack.post(stack.collectorHttpUrl() + "/v1/startups", new byte[0]).statusCode());
        assertEquals(413, TestStack.post(stack.collectorHttpUrl() + "/v1/startups", new byte[2 * 1024 * 1024]).statusCode());

        JsonNode users = TestStack.awaitJson(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users",
                Duration.ofSeconds(30), a -> a.path("total").asInt() == 2 && a.path("rows").size() == 2);
        assertEquals(2, users.path("total").asInt(), users.toString());

        String metrics = TestStack.get(stack.collectorHttpUrl() + "/metrics").body();
        assertTrue(metrics.contains("pyusage_collector_rejected_total{reason=\"malformed_json\",service=\"collector\",transport=\"udp\"}"), metrics);
        assertEquals(400, TestStack.get(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users?limit=0").statusCode());
        assertEquals(400, TestStack.get(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users?since=soon").statusCode());
        assertEquals(200, TestStack.get(stack.aggregatorUrl() + "/health").statusCode());
    }

    @Test
    void recordsThatFailSchemaInKafkaGoToTheDeadLetterTopicAndTheRestIsWritten() throws Exception {
        DevStack stack = TestStack.get();
        String pkg = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
        String poison = "{\"schema\":1,\"this is\":\"not a start " + pkg + "\"}";
        // Headers that claim another package set than the record holds: refused when the list is read.
        byte[] mislabelled = TestRecords.bytes(TestRecords.valid("mallory", "node11", onlyPackage(pkg, "2")));
        DecodeResult.Valid other = (DecodeResult.Valid) StartupRecordCodec.decode(
                TestRecords.bytes(TestRecords.valid("mallory", "node11", onlyPackage(pkg + "-other", "2"))));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("startups", "node11", poison.getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>("startups", null, "node11", mislabelled, CheckedPackagesHeaders.of(other))).get();
            producer.send(new ProducerRecord<>("startups", "node11",
                    TestRecords.bytes(TestRecords.valid("frank", "node11", onlyPackage(pkg, "1"))))).get();
        }
        JsonNode users = TestStack.awaitJson(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users",
                Duration.ofSeconds(30), a -> a.path("total").asInt() == 1 && a.path("rows").size() == 1);
        assertEquals("frank", users.path("rows").get(0).path("user").asText(), users.toString());

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + pkg);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("startups.dlq"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            ConsumerRecord<String, byte[]> found = null;
            ConsumerRecord<String, byte[]> foundMislabelled = null;
            while ((found == null || foundMislabelled == null) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (new String(record.value(), StandardCharsets.UTF_8).equals(poison)) {
                        found = record;
                    } else if (Arrays.equals(record.value(), mislabelled)) {
                        foundMislabelled = record;
                    }
                }
            }
            assertTrue(found != null, "poison record not in startups.dlq");
            assertTrue(foundMislabelled != null, "record with mismatched package headers not in startups.dlq");
            assertTrue(new String(foundMislabelled.headers().lastHeader("pyusage.error").value(), StandardCharsets.UTF_8).contains("fingerprint"));
            assertEquals("schema", new String(found.headers().lastHeader("pyusage.reason").value(), StandardCharsets.UTF_8));
            assertTrue(new String(found.headers().lastHeader("pyusage.error").value(), StandardCharsets.UTF_8).contains("event_id"));
        }
    }
}
