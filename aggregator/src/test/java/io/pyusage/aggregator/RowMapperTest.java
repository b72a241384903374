package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestRecords;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.EnvironmentFingerprint;
import io.pyusage.common.record.InstalledPackage;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.record.UserNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RowMapperTest {

    @Test
    void startRowCarriesTheRecordInClickHouseForm() {
        Map<String, Object> input = TestRecords.valid();
        input.put("ts", 1_795_296_266.5);
        input.put("event_id", "7a1d9405627926ee6b036b238fac9bdc");
        input.put("user", "zoë");
        input.put("startup_ms", 42.5);
        StartupRecord record = decode(input).received(1_795_296_267.0, "10.0.0.7");
        RowMapper.Rows rows = RowMapper.map(record, "topic-id", 2, 41);
        assertEquals(1, rows.start().size());
        JsonNode start = TableLayout.STARTS.json(rows.start().row(0));
        assertEquals("2026-11-21", start.get("day").asText());
        assertEquals("2026-11-21 21:24:26", start.get("ts").asText());
        assertEquals("7a1d9405-6279-26ee-6b03-6b238fac9bdc", start.get("event_id").asText());
        assertEquals("zoë", start.get("user").asText());
        assertEquals(record.host(), start.get("host").asText());
        assertEquals(record.prefix(), start.get("prefix").asText());
        assertEquals(record.base(), start.get("base").asText());
        assertEquals(42.5, start.get("startup_ms").asDouble());
        assertEquals("10.0.0.7", start.get("source_ip").asText());
        assertEquals("topic-id", start.get("kafka_topic").asText());
        assertEquals(2, start.get("kafka_partition").asInt());
        assertEquals(2, start.get("package_count").asInt());
        assertEquals(41, start.get("kafka_offset").asLong());
        assertEquals(Long.toUnsignedString(rows.envId()), start.get("env_id").asText());
        assertEquals(TableLayout.STARTS.columnNames(), iterable(start.fieldNames()), "every column, in the layout's order");
        EncodedRows packages = rows.packages();
        assertEquals(List.of("numpy", "pandas"), List.of(TableLayout.ENVIRONMENT_PACKAGES.json(packages.row(0)).get("name").asText(),
                TableLayout.ENVIRONMENT_PACKAGES.json(packages.row(1)).get("name").asText()));
        assertEquals("2026-11-21", TableLayout.ENVIRONMENT_PACKAGES.json(packages.row(1)).get("first_seen").asText());
    }

    @Test
    void pseudonymsReplaceTheUserInNameAndPath() {
        Map<String, Object> input = TestRecords.valid();
        input.put("user", "ann");
        input.put("prefix", "/home/ann/venvs/a");
        input.put("executable", "/home/ann/venvs/a/bin/python");
        UserNames names = UserNames.withKey("a key of sixteen+ characters");
        DecodeResult.Valid valid = (DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(input));
        JsonNode start = TableLayout.STARTS.json(RowMapper.recordRow(valid, "topic-id", 0, 1, names).row(0));
        assertEquals(names.stored("ann"), start.get("user").asText());
        assertEquals("/home/" + names.stored("ann") + "/venvs/a", start.get("prefix").asText());
        assertFalse(start.get("executable").asText().contains("/ann/"), "nor the interpreter's path: " + start.get("executable"));
    }

    @Test
    void aStartDatedFarFromItsArrivalIsStoredAtItsArrivalAndMarked() {
        double arrival = 1_795_296_267.0; // 2026-11-21 21:24:27
        for (double offset : new double[] {-7 * 86_400 - 1, 3_601, 40 * 365 * 86_400.0, -20 * 365 * 86_400.0}) {
            Map<String, Object> input = TestRecords.valid();
            input.put("ts", arrival + offset);
            RowMapper.Rows rows = RowMapper.map(decode(input).received(arrival, "10.0.0.7"), "topic-id", 0, 1);
            JsonNode start = TableLayout.STARTS.json(rows.start().row(0));
            assertEquals("2026-11-21 21:24:27", start.get("ts").asText(), "offset " + offset);
            assertEquals(1, start.get("clock_skewed").asInt());
            assertEquals("2026-11-21", TableLayout.ENVIRONMENT_PACKAGES.json(rows.packages().row(0)).get("first_seen").asText());
        }
        for (double offset : new double[] {-7 * 86_400 + 1, -60, 3_599}) {
            Map<String, Object> input = TestRecords.valid();
            input.put("ts", arrival + offset);
            JsonNode start = TableLayout.STARTS.json(RowMapper.map(decode(input).received(arrival, "10.0.0.7"), "topic-id", 0, 1).start().row(0));
            assertEquals(0, start.get("clock_skewed").asInt(), "a start queued a while or a clock a little ahead: " + offset);
        }
    }

    @Test
    void aRowThatIsNotOneOfTheLayoutIsKeptReadableAsItsBytes() throws Exception {
        byte[] row = RowMapper.map(decode(TestRecords.valid()), "topic-id", 0, 7).start().row(0);
        assertTrue(new String(TableLayout.STARTS.readable(row), StandardCharsets.UTF_8).contains("\"kafka_offset\":7"));
        byte[] cut = Arrays.copyOf(row, row.length - 3);
        String readable = new String(TableLayout.STARTS.readable(cut), StandardCharsets.UTF_8);
        assertEquals(Base64.getEncoder().encodeToString(cut),
                StartupRecordCodec.mapper().readTree(readable).get("undecodable_row_base64").asText(), readable);
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
        Set<Long> seen = new HashSet<>();
        Random random = new Random(7);
        for (int set = 0; set < 200_000; set++) {
            List<InstalledPackage> packages = new ArrayList<>();
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
        batch.add(rows.envId(), rows.start(), rows.packages(), 1.0, p0, 5);
        batch.add(rows.envId(), rows.start(), rows.packages(), 1.0, p0, 6);
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
            rows.add(number(i));
        }
        assertEquals(3000, rows.size());
        assertArrayEquals(concat(number(1), number(2)), rows.slice(1, 3));
        assertArrayEquals(number(2999).bytes(), rows.row(2999));
        assertArrayEquals(number(0).bytes(), rows.row(0));
        // Rows encoded elsewhere join whole, each still its own slice.
        RowWriter more = RowWriter.scratch().string("a");
        more.endRow();
        more.string("bc");
        more.endRow();
        rows.add(more.encoded());
        assertEquals(3002, rows.size());
        assertArrayEquals(new byte[] {2, 'b', 'c'}, rows.row(3001));
        assertArrayEquals(concat(number(2999), new EncodedRows(new byte[] {1, 'a'}, new int[] {2})), rows.slice(2999, 3001));
        assertArrayEquals(rows.slice(5, 3002), rows.rows(5, 3002).bytes());
        assertArrayEquals(new byte[] {2, 'b', 'c'}, rows.slice(3001, 3002), "a slice that begins inside what one record added");
        assertArrayEquals(new int[] {2}, rows.rows(3000, 3001).ends(), "and one that ends inside it");
        assertArrayEquals(new int[] {8, 10, 13}, rows.rows(2999, 3002).ends());
        rows.markWritten(10);
        rows.markWritten(4);
        assertEquals(10, rows.written(), "the written prefix never shrinks");
    }

    @Test
    void rowWriterWritesClickHouseRowBinary() {
        RowWriter row = RowWriter.scratch().uint16(0x0102).uint64(-1L).string("é").string("x".repeat(200))
                .uuid(RecentEvents.eventId("a49c0c2edeed380ef223275715f04706"));
        row.endRow();
        byte[] bytes = row.encoded().bytes();
        assertArrayEquals(new byte[] {2, 1, -1, -1, -1, -1, -1, -1, -1, -1, 2, (byte) 0xC3, (byte) 0xA9, (byte) 0xC8, 1},
                Arrays.copyOf(bytes, 15), "little-endian numbers, UTF-8 strings after their LEB128 length");
        // The bytes ClickHouse 18.16 itself gives for toUUID('a49c0c2e-deed-380e-f223-275715f04706') in RowBinary.
        assertArrayEquals(HexFormat.of().parseHex("0e38edde2e0c9ca40647f015572723f2"),
                Arrays.copyOfRange(bytes, bytes.length - 16, bytes.length));
    }

    private static EncodedRows number(int i) {
        RowWriter row = RowWriter.scratch().uint64(i);
        row.endRow();
        return row.encoded();
    }

    private static byte[] concat(EncodedRows a, EncodedRows b) {
        byte[] both = Arrays.copyOf(a.bytes(), a.bytes().length + b.bytes().length);
        System.arraycopy(b.bytes(), 0, both, a.bytes().length, b.bytes().length);
        return both;
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    private static StartupRecord decode(Map<String, Object> input) {
        return ((DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(input))).record();
    }
}
