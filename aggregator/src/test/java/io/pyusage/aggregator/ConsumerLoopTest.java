package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyusage.common.clickhouse.RowsPage;
import io.pyusage.common.clickhouse.SqlRunner;
import io.pyusage.common.config.Env;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/**
 * The loop's own error path, which no real broker produces on demand: an error it does not expect
 * ends the loop (the service then reports DOWN and the process exits 1) instead of leaving a loop that
 * polls and writes nothing. Kafka's own {@link MockConsumer} raises it.
 */
class ConsumerLoopTest {

    @Test
    void anUnexpectedErrorEndsTheLoopWithItsReasonAndClosesTheConsumer() throws Exception {
        MockConsumer<ByteBuffer, ByteBuffer> consumer = new MockConsumer<>("earliest");
        consumer.setPollException(new KafkaException("the broker answered something no one expected"));
        AggregatorConfig config = AggregatorConfig.from(new Env(Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", "127.0.0.1:9", "PYUSAGE_CLICKHOUSE_URL", "http://127.0.0.1:9")));
        try (DeadLetters deadLetters = new DeadLetters(config.kafka())) {
            ConsumerLoop loop = new ConsumerLoop(consumer, "startups", "topic-id", new ClickHouseWriter(UNUSED), deadLetters,
                    new AggregatorMetrics(new SimpleMeterRegistry()), config);

            ExecutorService thread = Executors.newSingleThreadExecutor();
            try {
                Future<?> ran = thread.submit(loop);
                ran.get(30, TimeUnit.SECONDS); // a loop that went on polling would time out here
            } finally {
                thread.shutdownNow();
            }

            assertTrue(loop.lastError() != null && loop.lastError().contains("no one expected"), String.valueOf(loop.lastError()));
            assertTrue(consumer.closed(), "the consumer leaves its group");
        }
    }

    /** The loop fails before it has anything to write or look up. */
    private static final SqlRunner UNUSED = new SqlRunner() {
        @Override
        public void execute(String sql) {
            throw new AssertionError(sql);
        }

        @Override
        public List<JsonNode> query(String sql) {
            throw new AssertionError(sql);
        }

        @Override
        public RowsPage queryPage(String sql) {
            throw new AssertionError(sql);
        }

        @Override
        public void insertJsonEachRow(String table, byte[] ndjson) {
            throw new AssertionError(table);
        }

        @Override
        public void insertRowBinary(String table, List<String> columns, byte[] rows) {
            throw new AssertionError(table);
        }
    };
}
