package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestClickHouse;
import io.pyusage.common.TestEngines;
import io.pyusage.common.TestRecords;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The writer against ClickHouse 18.16 and the current release: refused rows are singled out, the rest
 * stored once; where partitions were written up to and which package sets are stored.
 */
class ClickHouseWriterIT {

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void refusedRowsAreSingledOutAndEveryOtherRowIsWrittenOnce(String engine) throws Exception {
        Batch batch = new Batch();
        TopicPartition partition = new TopicPartition("startups", 0);
        for (int offset = 0; offset < 100; offset++) {
            RowMapper.Rows rows = rows(offset);
            if (offset == 37 || offset == 90) {
                // Passed the schema, yet not storable: what a type change in a later schema could cause.
                rows.start().put("venv", "yes");
            }
            batch.add(rows.envId(), rows.encodedStart(), offset == 0 ? RowBuffer.encode(rows.packages()) : null, 1.0, partition, offset);
        }
        List<String> refused = new ArrayList<>();
        try (TestEngines.Engine store = TestEngines.open(engine, "writer")) {
            SchemaMigrations.apply(store);
            int count = new ClickHouseWriter(store).write(batch, (table, row, error) ->
                    refused.add(table + " " + new String(row, StandardCharsets.UTF_8)));

            assertEquals(2, count);
            assertEquals(2, refused.size());
            assertTrue(refused.get(0).startsWith("starts {") && refused.get(0).contains("\"kafka_offset\":37"), refused.get(0));
            assertTrue(refused.get(1).contains("\"kafka_offset\":90"), refused.get(1));
            assertEquals(98, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
            assertEquals(98, store.query("SELECT uniqExact(kafka_offset) AS n FROM starts").get(0).get("n").asInt());
            assertEquals(99, new ClickHouseWriter(store).lastWrittenOffsets("topic-id").get(0));
            long stored = rows(0).envId();
            assertEquals(Set.of(stored), new ClickHouseWriter(store).storedEnvironments(List.of(stored, stored + 1)),
                    "the package set written with the batch, and not one never written");
            // Written once: writing the same batch again stores nothing more.
            assertEquals(0, new ClickHouseWriter(store).write(batch, (table, row, error) -> refused.add(table)));
            assertEquals(98, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
        }
    }

    @Test
    void aServerThatCannotBeReachedIsAnErrorToRetryNotARefusedRow() {
        ClickHouseConfig unreachable = TestClickHouse.freshDatabase("unreachable").withDatabase("nowhere");
        Batch batch = new Batch();
        RowMapper.Rows rows = rows(0);
        batch.add(rows.envId(), rows.encodedStart(), RowBuffer.encode(rows.packages()), 1.0, new TopicPartition("startups", 0), 0);
        try (ClickHouseStore store = new ClickHouseStore(unreachable)) {
            ClickHouseException e = assertThrows(ClickHouseException.class, () -> new ClickHouseWriter(store).write(batch,
                    (table, row, error) -> {
                        throw new AssertionError("a missing database is not a refused row");
                    }));
            assertTrue(!e.isRejectedData(), e.getMessage());
            assertEquals(0, batch.starts().written());
        }
    }

    private static RowMapper.Rows rows(int offset) {
        Map<String, Object> input = TestRecords.valid("user-" + offset, "host-" + offset, List.of(List.of("numpy", "1.26.4")));
        DecodeResult.Valid valid = (DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(input));
        return RowMapper.map(valid.record(), "topic-id", 0, offset);
    }
}
