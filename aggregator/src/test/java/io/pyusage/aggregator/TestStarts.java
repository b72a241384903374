package io.pyusage.aggregator;

import io.pyusage.common.TestRecords;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Start records for the aggregator tests, straight onto a topic. */
final class TestStarts {

    private TestStarts() {
    }

    /** {@code count} records numbered from {@code first}, about 600 a second, over many hosts so that every partition gets its share. */
    static void produce(String bootstrap, String topic, int first, int count) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = first; i < first + count; i++) {
                String host = "host-" + (i % 97);
                producer.send(new ProducerRecord<>(topic, host,
                        TestRecords.bytes(TestRecords.valid("user-" + (i % 31), host, List.of(List.of("numpy", "1." + (i % 5) + ".0"))))));
                if (i % 60 == 59) {
                    Thread.sleep(100);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
