package io.pyusage.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyusage.common.config.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The buffer in front of Kafka, with no broker behind it: sends block, so the buffer fills. */
class KafkaPublisherTest {

    /** Nothing listens on port 1: the producer waits for metadata that never comes. */
    private static final KafkaSettings NO_BROKER = new KafkaSettings("127.0.0.1:1", "startups", 1, 1, false, 1);

    @Test
    void aFullBufferRefusesAtOnceByRecordsAndEveryHeldRecordIsFailedAtClose() throws Exception {
        KafkaPublisher publisher = new KafkaPublisher(NO_BROKER, 3, 1024 * 1024, new SimpleMeterRegistry());
        List<Exception> outcomes = new CopyOnWriteArrayList<>();
        int queued = 0;
        for (int i = 0; i < 10; i++) {
            if (publisher.publish("host", new byte[100], List.of(), outcomes::add)) {
                queued++;
            }
        }
        // 3 in the buffer, plus at most one the sender took and is blocked on.
        assertTrue(queued >= 3 && queued <= 4, "queued " + queued);
        assertTrue(publisher.fillRatio() > 0.6, "fill " + publisher.fillRatio());
        publisher.close(Duration.ZERO);
        awaitSize(outcomes, queued);
        assertTrue(outcomes.stream().allMatch(e -> e != null), "every held record must be reported as failed");
        assertNotNull(publisher.problem());
        assertFalse(publisher.publish("host", new byte[1], List.of(), outcomes::add), "a closed publisher takes nothing");
    }

    @Test
    void theByteBoundRefusesBeforeTheRecordBound() throws Exception {
        KafkaPublisher publisher = new KafkaPublisher(NO_BROKER, 1000, 1000, new SimpleMeterRegistry());
        List<Exception> outcomes = new CopyOnWriteArrayList<>();
        List<Boolean> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(publisher.publish("host", new byte[400], List.of(), outcomes::add));
        }
        // 1000 bytes hold two records of 400; the sender may take one or two off the buffer meanwhile
        // (a send with no broker can fail fast), so up to four fit, never all five: the record bound
        // (1000) alone would take them all.
        long accepted = answers.stream().filter(a -> a).count();
        assertTrue(accepted >= 2 && accepted <= 4, "accepted " + accepted + ": " + answers);
        assertFalse(publisher.publish("host", new byte[1001], List.of(), outcomes::add), "one record larger than the bound");
        publisher.close(Duration.ZERO);
        awaitSize(outcomes, (int) accepted);
    }

    private static void awaitSize(List<?> list, int size) throws InterruptedException {
        for (int i = 0; i < 100 && list.size() < size; i++) {
            Thread.sleep(100);
        }
        assertEquals(size, list.size());
    }
}
