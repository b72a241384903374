package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestRecords;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.EnvironmentFingerprint;
import io.pyusage.common.record.InstalledPackage;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.StartupRecordCodec;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RowMapperTest {

    @Test
    void startRowCarriesTheRecordInClickHouseForm() {
        Map<String, Object> input = TestRecords.valid();
        input.put("ts", 1_795_296_266.5);
        input.put("event_id", "7a1d9405627926ee6b036b238fac9bdc");
        StartupRecord record = decode(input).received(1_795_296_267.0, "10.0.0.7");
        RowMapper.Rows rows = RowMapper.map(record, "topic-id", 2, 41);
        assertEquals("2026-11-21", rows.start().get("day").asText());
        assertEquals("2026-11-21 21:24:26", rows.start().get("ts").asText());
        assertEquals("7a1d9405-6279-26ee-6b03-6b238fac9bdc", rows.start().get("event_id").asText());
        assertEquals("10.0.0.7", rows.start().get("source_ip").asText());
        assertEquals(2, rows.start().get("package_count").asInt());
        assertEquals(41, rows.start().get("kafka_offset").asLong());
        assertEquals(rows.envId(), rows.start().get("env_id").asLong());
        assertEquals(List.of("numpy", "pandas"), rows.packages().stream().map(p -> p.get("name").asText()).toList());
    }

    @Test
    void fingerprintIgnoresOrderButNotVersions() {
        long ab = EnvironmentFingerprint.of(List.of(new InstalledPackage("a", "1"), new InstalledPackage("b", "2")));
        long ba = EnvironmentFingerprint.of(List.of(new InstalledPackage("b", "2"), new InstalledPackage("a", "1")));
        long newer = EnvironmentFingerprint.of(List.of(new InstalledPackage("a", "1"), new InstalledPackage("b", "3")));
        // name/version boundaries are part of the hash: "a"+"12" differs from "a1"+"2"
        long shifted = EnvironmentFingerprint.of(List.of(new InstalledPackage("a1", "2"), new InstalledPackage("b", "2")));
        assertEquals(ab, ba);
        assertNotEquals(ab, newer);
        assertNotEquals(ab, shifted);
        assertNotEquals(ab, EnvironmentFingerprint.of(List.of(new InstalledPackage("a", "2"), new InstalledPackage("b", "1"))),
                "versions swapped between packages");
        assertNotEquals(EnvironmentFingerprint.of(List.of(new InstalledPackage("a", "12"))),
                EnvironmentFingerprint.of(List.of(new InstalledPackage("a1", "2"))));
        assertTrue(ab >= 0);
    }

    /** Environments that differ in one version, as upgrades make them, over many sets: no two ids alike. */
    @Test
    void fingerprintsOfManyNeighbouringEnvironmentsDoNotCollide() {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        java.util.Random random = new java.util.Random(7);
        for (int set = 0; set < 200_000; set++) {
            List<InstalledPackage> packages = new java.util.ArrayList<>();
            for (int p = 0; p < 20; p++) {
                packages.add(new InstalledPackage("pkg-" + (set % 50 + p), p == set % 20 ? "1." + set : "1.0." + random.nextInt(3)));
            }
            seen.add(EnvironmentFingerprint.of(packages));
        }
        assertTrue(seen.size() > 199_990, "distinct ids: " + seen.size());
    }

    @Test
    void batchCommitsOnePastTheLastOffsetOfEachPartitionAndCoversDeadLetters() {
        Batch batch = new Batch();
        TopicPartition p0 = new TopicPartition("startups", 0);
        TopicPartition p1 = new TopicPartition("startups", 1);
        RowMapper.Rows rows = RowMapper.map(decode(TestRecords.valid()), "topic-id", 0, 5);
        batch.add(rows.envId(), rows.encodedStart(), RowBuffer.encode(rows.packages()), 1.0, p0, 5);
        batch.add(rows.envId(), rows.encodedStart(), RowBuffer.encode(rows.packages()), 1.0, p0, 6);
        batch.add(new DeadLetters.Letter(new ProducerRecord<>("startups.dlq", new byte[0])), p1, 9);
        assertEquals(6, batch.commitOffsets().get(p0).offset() - 1);
        assertEquals(10, batch.commitOffsets().get(p1).offset());
        assertEquals(5L, batch.firstOffsets().get(p0));
        assertEquals(2, batch.startRows());
        assertEquals(2, batch.packageRows(), "the same environment's packages are written once per batch");
        assertTrue(batch.isDue(2, Long.MAX_VALUE, Long.MAX_VALUE));
        assertTrue(!batch.isDue(3, Long.MAX_VALUE, Long.MAX_VALUE));
        int bytes = batch.starts().bytes() + batch.packages().bytes();
        assertTrue(batch.isDue(3, bytes, Long.MAX_VALUE), "due by its size in bytes");
        assertTrue(!batch.isDue(3, bytes + 1, Long.MAX_VALUE));
        assertTrue(!new Batch().isDue(1, 0, 0), "an empty batch is never due");
        assertEquals(1, batch.letters().size());
    }

    @Test
    void rowBufferSlicesRowsAndRemembersTheWrittenPrefix() {
        RowBuffer rows = new RowBuffer();
        for (int i = 0; i < 3000; i++) {
            rows.add(StartupRecordCodec.mapper().createObjectNode().put("n", i));
        }
        assertEquals(3000, rows.size());
        assertEquals("{\"n\":1}\n{\"n\":2}\n", new String(rows.slice(1, 3), StandardCharsets.UTF_8));
        assertEquals("{\"n\":2999}", new String(rows.row(2999), StandardCharsets.UTF_8));
        assertEquals("{\"n\":0}", new String(rows.row(0), StandardCharsets.UTF_8));
        // Rows encoded elsewhere join whole, each still its own slice.
        rows.add(RowBuffer.encode(List.of(StartupRecordCodec.mapper().createObjectNode().put("n", "a"),
                StartupRecordCodec.mapper().createObjectNode().put("n", "b"))));
        assertEquals(3002, rows.size());
        assertEquals("{\"n\":\"b\"}", new String(rows.row(3001), StandardCharsets.UTF_8));
        assertEquals("{\"n\":2999}\n{\"n\":\"a\"}\n", new String(rows.slice(2999, 3001), StandardCharsets.UTF_8));
        rows.markWritten(10);
        rows.markWritten(4);
        assertEquals(10, rows.written(), "the written prefix never shrinks");
    }

    private static StartupRecord decode(Map<String, Object> input) {
        return ((DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(input))).record();
    }
}
