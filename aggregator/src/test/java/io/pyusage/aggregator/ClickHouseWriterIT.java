package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.pyusage.common.TestClickHouse;
import io.pyusage.common.TestEngines;
import io.pyusage.common.TestRecords;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.StartupRecordCodec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The writer against ClickHouse 18.16 and the current release: refused rows are singled out, the rest
 * stored once; where partitions were written up to, the starts stored last from them, and which package sets are stored.
 */
class ClickHouseWriterIT {

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void refusedRowsAreSingledOutAndEveryOtherRowIsWrittenOnce(String engine) throws Exception {
        Batch batch = new Batch();
        TopicPartition partition = new TopicPartition("startups", 0);
        List<byte[]> broken = new ArrayList<>();
        List<UUID> eventIds = new ArrayList<>();
        for (int offset = 0; offset < 100; offset++) {
            RowMapper.Rows rows = rows(offset);
            eventIds.add(RecentEvents.eventId(rows.record().eventId()));
            EncodedRows start = rows.start();
            if (offset == 37 || offset == 90) {
                // Not storable: a row whose user name claims 1 MiB (more than the whole batch), as an encoding
                // fault could leave it. ClickHouse cannot read the rows after it either: only splitting finds it.
                byte[] row = Arrays.copyOf(start.bytes(), 2 + 4 + 16 + 3);
                System.arraycopy(new byte[] {(byte) 0x80, (byte) 0x80, 0x40}, 0, row, 22, 3);
                broken.add(row);
                start = new EncodedRows(row, new int[] {row.length});
            }
            batch.add(rows.envId(), start, offset == 0 ? rows.packages() : null, 1.0, partition, offset);
        }
        List<byte[]> refused = new ArrayList<>();
        try (TestEngines.Engine store = TestEngines.open(engine, "writer")) {
            SchemaMigrations.apply(store);
            int count = new ClickHouseWriter(store).write(batch, (table, row, error) -> {
                assertEquals(TableLayout.STARTS, table);
                refused.add(row);
            });

            assertEquals(2, count);
            assertEquals(2, refused.size());
            assertArrayEquals(broken.get(0), refused.get(0));
            assertArrayEquals(broken.get(1), refused.get(1));
            assertEquals(98, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
            assertEquals(98, store.query("SELECT uniqExact(kafka_offset) AS n FROM starts").get(0).get("n").asInt());
            assertEquals(0, store.query("SELECT count() AS n FROM starts WHERE kafka_offset IN (37, 90)").get(0).get("n").asInt());
            assertEquals(99, new ClickHouseWriter(store).lastWrittenOffsets("topic-id").get(0));
            // The last 12 offsets asked for, 90 among them refused: the other 11 in order, with the ids they
            // were read with; read in pages of 4 (4, 4, 3).
            List<ClickHouseWriter.StoredStart> last = new ArrayList<>();
            new ClickHouseWriter(store, 4).lastStoredStarts("topic-id", Map.of(0, 99L), 12, last::add);
            assertEquals(IntStream.rangeClosed(88, 99).filter(offset -> offset != 90).boxed().toList(),
                    last.stream().map(start -> (int) start.offset()).toList());
            last.forEach(start -> assertEquals(eventIds.get((int) start.offset()), start.eventId(), "offset " + start.offset()));
            // Starts stored beyond the position asked from (their positions row lost with a replica) come too.
            List<ClickHouseWriter.StoredStart> beyond = new ArrayList<>();
            new ClickHouseWriter(store, 4).lastStoredStarts("topic-id", Map.of(0, 95L), 4, beyond::add);
            assertEquals(IntStream.rangeClosed(92, 99).boxed().toList(), beyond.stream().map(start -> (int) start.offset()).toList());
            new ClickHouseWriter(store).lastStoredStarts("another-topic-id", Map.of(0, 99L), 12,
                    start -> fail("a start of another topic: " + start));
            long stored = rows(0).envId();
            assertEquals(Set.of(stored), new ClickHouseWriter(store).storedEnvironments(List.of(stored, stored + 1)),
                    "the package set written with the batch, and not one never written");
            // A burst's worth of environments: one list of them all would exceed max_query_size.
            List<Long> many = new ArrayList<>();
            for (long id = 1; many.size() < 20_000; id++) {
                many.add(Long.MAX_VALUE - id);
            }
            many.add(stored);
            assertEquals(Set.of(stored), new ClickHouseWriter(store).storedEnvironments(many), "found among 20,001 ids");
            // Written once: writing the same batch again stores nothing more.
            assertEquals(0, new ClickHouseWriter(store).write(batch, (table, row, error) -> refused.add(row)));
            assertEquals(98, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
        }
    }

    /** The binary rows mean to ClickHouse what their layout says: every column read back as it was encoded. */
    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void rowsAreStoredAsTheirLayoutReadsThem(String engine) throws Exception {
        Map<String, Object> input = TestRecords.valid("zoë", "host-ü", List.of(List.of("numpy", "1.26.4"), List.of("scipy", "1.11.0")));
        input.put("startup_ms", 12.25);
        input.put("entry", "-m pytest");
        StartupRecord record = ((DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(input))).record()
                .received(1_795_296_267.0, "10.0.0.7");
        RowMapper.Rows rows = RowMapper.map(record, "topic-id", 3, Long.MAX_VALUE);
        Batch batch = new Batch();
        batch.add(rows.envId(), rows.start(), rows.packages(), 1.0, new TopicPartition("startups", 3), 5);
        try (TestEngines.Engine store = TestEngines.open(engine, "layout")) {
            SchemaMigrations.apply(store);
            assertEquals(0, new ClickHouseWriter(store).write(batch, (table, row, error) -> fail(error)));

            String starts = String.join(", ", TableLayout.STARTS.columnNames());
            assertEquals(TableLayout.STARTS.json(rows.start().row(0)), sameNumbers(store.query("SELECT " + starts + " FROM starts").get(0)));
            List<JsonNode> packages = store.query("SELECT env_id, name, version, first_seen FROM environment_packages ORDER BY name");
            assertEquals(2, packages.size());
            for (int i = 0; i < 2; i++) {
                assertEquals(TableLayout.ENVIRONMENT_PACKAGES.json(rows.packages().row(i)), sameNumbers(packages.get(i)));
            }
        }
    }

    @Test
    void aServerThatCannotBeReachedIsAnErrorToRetryNotARefusedRow() {
        ClickHouseConfig unreachable = TestClickHouse.freshDatabase("unreachable").withDatabase("nowhere");
        Batch batch = new Batch();
        RowMapper.Rows rows = rows(0);
        batch.add(rows.envId(), rows.start(), rows.packages(), 1.0, new TopicPartition("startups", 0), 0);
        try (ClickHouseStore store = new ClickHouseStore(unreachable)) {
            ClickHouseException e = assertThrows(ClickHouseException.class, () -> new ClickHouseWriter(store).write(batch,
                    (table, row, error) -> {
                        throw new AssertionError("a missing database is not a refused row");
                    }));
            assertTrue(!e.isRejectedData(), e.getMessage());
            assertEquals(0, batch.starts().written());
        }
    }

    /**
     * A row as ClickHouse answers it, its numbers as the layout reads them: 64-bit integers come
     * quoted ({@code output_format_json_quote_64bit_integers}), Float32 is read as a float.
     */
    private static JsonNode sameNumbers(JsonNode answered) {
        ObjectNode row = ((ObjectNode) answered).deepCopy();
        for (String column : List.of("env_id", "kafka_offset")) {
            if (row.has(column)) {
                row.put(column, new BigInteger(row.get(column).asText()));
            }
        }
        for (String column : List.of("venv", "ci", "interactive", "truncated", "package_count", "kafka_partition")) {
            if (row.has(column)) {
                row.put(column, row.get(column).asInt());
            }
        }
        if (row.has("startup_ms")) {
            row.put("startup_ms", (float) row.get("startup_ms").asDouble());
        }
        return row;
    }

    private static RowMapper.Rows rows(int offset) {
        Map<String, Object> input = TestRecords.valid("user-" + offset, "host-" + offset, List.of(List.of("numpy", "1.26.4")));
        DecodeResult.Valid valid = (DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(input));
        return RowMapper.map(valid.record(), "topic-id", 0, offset);
    }
}
