package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
        assertEquals(Set.of(1L, 2L, 3L), batch.environmentsWithPackages());
        assertEquals(6, batch.packageRows(), "a set's rows once per batch");

        batch.leaveOutPackagesOf(Set.of(2L));

        assertEquals(Set.of(1L, 3L), batch.environmentsWithPackages());
        assertEquals("""
                {"env_id":1,"name":"a"}
                {"env_id":1,"name":"b"}
                {"env_id":3,"name":"d"}
                {"env_id":3,"name":"e"}
                {"env_id":3,"name":"f"}
                """, new String(batch.packages().slice(0, batch.packageRows()), StandardCharsets.UTF_8));
        assertEquals("{\"env_id\":3,\"name\":\"e\"}", new String(batch.packages().row(3), StandardCharsets.UTF_8));
        assertEquals(4, batch.startRows(), "starts are all kept");
        batch.leaveOutPackagesOf(Set.of(1L, 3L));
        assertEquals(0, batch.packageRows());
    }

    @Test
    void packageRowsAreNotLeftOutOnceTheirWritingBegan() {
        Batch batch = new Batch();
        batch.add(1, start(0), packages(1, "a", "b"), 1.0, PARTITION, 0);
        batch.packages().markWritten(1);
        assertThrows(IllegalStateException.class, () -> batch.leaveOutPackagesOf(Set.of(1L)));
    }

    private static RowBuffer.Encoded start(int offset) {
        return RowBuffer.encode(List.of(row().put("kafka_offset", offset)));
    }

    private static RowBuffer.Encoded packages(long envId, String... names) {
        return RowBuffer.encode(Arrays.stream(names).map(name -> row().put("env_id", envId).put("name", name)).toList());
    }

    private static ObjectNode row() {
        return StartupRecordCodec.mapper().createObjectNode();
    }
}
