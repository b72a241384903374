package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyusage.common.TestRecords;
import io.pyusage.common.clickhouse.RowsPage;
import io.pyusage.common.clickhouse.SqlRunner;
import io.pyusage.common.config.Env;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * What no real broker or server produces on demand, with Kafka's own {@link MockConsumer}: an error
 * the loop does not expect ends it (the service then reports DOWN and the process exits 1) instead
 * of leaving a loop that polls and writes nothing; a write that takes long lets the next batch grow,
 * within twice its size.
 */
class ConsumerLoopTest {

    @Test
    void aDueBatchKeepsFillingWhileTheOneBeforeItIsWrittenUpToTwiceItsSize() throws Exception {
        TopicPartition partition = new TopicPartition("startups", 0);
        MockConsumer<ByteBuffer, ByteBuffer> consumer = new MockConsumer<>("earliest");
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(partition)));
        CountDownLatch firstInsertMayEnd = new CountDownLatch(1);
        int polls = 12;
        int perPoll = 5;
        long[] offset = {0};
        for (int poll = 0; poll < polls; poll++) {
            boolean release = poll == 5; // the one that brings the waiting batch to 20
            consumer.schedulePollTask(() -> {
                for (int i = 0; i < perPoll; i++) {
                    byte[] value = TestRecords.bytes(TestRecords.valid("user" + offset[0], "node01", List.of(List.of("numpy", "1.26.4"))));
                    consumer.addRecord(new ConsumerRecord<>("startups", 0, offset[0]++, null, ByteBuffer.wrap(value)));
                }
                if (release) {
                    firstInsertMayEnd.countDown();
                }
            });
        }
        // After the slow INSERT, how the last records fall into batches depends on when each write
        // ends; a batch left short of 10 is written by its age (the polls before take milliseconds).
        AggregatorConfig config = AggregatorConfig.from(new Env(Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", "127.0.0.1:9", "PYUSAGE_CLICKHOUSE_URL", "http://127.0.0.1:9",
                "PYUSAGE_AGGREGATOR_BATCH_ROWS", "10", "PYUSAGE_AGGREGATOR_BATCH_MS", "2000")));
        AggregatorMetrics metrics = new AggregatorMetrics(new SimpleMeterRegistry());
        try (DeadLetters deadLetters = new DeadLetters(config.kafka())) {
            ConsumerLoop loop = new ConsumerLoop(consumer, "startups", "topic-id", new ClickHouseWriter(slowFirstInsert(firstInsertMayEnd)),
                    deadLetters, metrics, config);
            ExecutorService thread = Executors.newSingleThreadExecutor();
            try {
                Future<?> ran = thread.submit(loop);
                for (int i = 0; i < 300 && metrics.startsWritten.count() < polls * perPoll; i++) {
                    Thread.sleep(100);
                }
                loop.stop();
                ran.get(30, TimeUnit.SECONDS);
            } finally {
                thread.shutdownNow();
            }
        }
        assertEquals(polls * perPoll, metrics.startsWritten.count(), "every start written once");
        // The first batch (10) is written at once; the next is due at 10 but its writer is busy, so it
        // fills to 20 and then waits; the rest go at 10 again.
        assertEquals(20, metrics.batchSize.max(), "twice the batch size, no more");
        assertEquals(polls * perPoll, metrics.batchSize.totalAmount());
    }

    /** A store whose first INSERT of starts ends only when {@code mayEnd} opens; no positions or environments stored. */
    private static SqlRunner slowFirstInsert(CountDownLatch mayEnd) {
        boolean[] first = {true};
        return new RefusingStore() {
            @Override
            public List<JsonNode> query(String sql) {
                return List.of();
            }

            @Override
            public void insertRowBinary(String table, List<String> columns, byte[] rows) {
                if (table.equals("starts") && first[0]) {
                    first[0] = false;
                    try {
                        assertTrue(mayEnd.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }

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
    private static final SqlRunner UNUSED = new RefusingStore();

    /** A store that fails the test on any use; a test overrides what it expects to be asked. */
    private static class RefusingStore implements SqlRunner {
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
    }
}
