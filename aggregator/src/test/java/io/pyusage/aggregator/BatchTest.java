package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BatchTest {

    private static final TopicPartition PARTITION = new TopicPartition("startups", 0);

    @Test
    void thePackageRowsOfStoredSetsAreLeftOutAndTheOthersKeptInOrder() {
        Batch batch = new Batch();
        batch.add(1, start(0), packages(1, "a", "b"), 1.0, PARTITION, 0);
        batch.add(2, start(1), packages(2, "c"), 1.0, PARTITION, 1);
        batch.add(1, start(2), packages(1, "a", "b"), 1.0, PARTITION, 2);
        batch.add(3, start(3), packages(3, "d", "e", "f"), 1.0, PARTITION, 3);
        assertEquals(Set.of(1L, 2L, 3L), batch.environments().withRows());
        assertEquals(6, batch.packageRows(), "a set's rows once per batch");

        batch.environments().leaveOut(Set.of(2L));

        assertEquals(Set.of(1L, 3L), batch.environments().withRows());
        assertEquals(List.of("1 a", "1 b", "3 d", "3 e", "3 f"), packageRows(batch.packages().rows(0, batch.packageRows())));
        assertEquals(List.of("3 e"), packageRows(new EncodedRows(batch.packages().row(3), new int[] {batch.packages().row(3).length})));
        assertEquals(4, batch.startRows(), "starts are all kept");
        batch.environments().leaveOut(Set.of(1L, 3L));
        assertEquals(0, batch.packageRows());
    }

    @Test
    void packageRowsAreNotLeftOutOnceTheirWritingBegan() {
        Batch batch = new Batch();
        batch.add(1, start(0), packages(1, "a", "b"), 1.0, PARTITION, 0);
        batch.packages().markWritten(1);
        assertThrows(IllegalStateException.class, () -> batch.environments().leaveOut(Set.of(1L)));
    }

    private static EncodedRows start(int offset) {
        RowWriter row = RowWriter.scratch().uint64(offset);
        row.endRow();
        return row.encoded();
    }

    private static EncodedRows packages(long envId, String... names) {
        RowWriter rows = RowWriter.scratch();
        for (String name : names) {
            rows.uint64(envId).string(name).string("1.0").date(20_000);
            rows.endRow();
        }
        return rows.encoded();
    }

    /** Package rows read back, each as "env_id name". */
    private static List<String> packageRows(EncodedRows rows) {
        List<String> read = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = TableLayout.ENVIRONMENT_PACKAGES.json(rows.row(i));
            read.add(row.get("env_id").asText() + " " + row.get("name").asText());
        }
        return read;
    }
}
