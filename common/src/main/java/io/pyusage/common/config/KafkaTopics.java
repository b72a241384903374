package io.pyusage.common.config;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the project's topics exist at service start: creates a missing one (brokers here never
 * auto-create) with the configured retention, or, when creation is switched off, fails naming it.
 */
public final class KafkaTopics {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private KafkaTopics() {
    }

    /**
     * The topic's id: unlike its name, it changes when a topic is deleted and created again, so
     * positions stored for the old topic are never applied to the new one.
     */
    public static String topicId(KafkaSettings settings, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = admin(settings)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId().toString();
        }
    }

    private static Admin admin(KafkaSettings settings) {
        return Admin.create(settings.clientConfig(Map.of()));
    }

    public static void ensure(KafkaSettings settings, String topic, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = admin(settings)) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                return;
            }
            if (!settings.createTopics()) {
                throw new IllegalStateException("Kafka topic " + topic + " does not exist and PYUSAGE_KAFKA_CREATE_TOPICS is false");
            }
            NewTopic newTopic = new NewTopic(topic, partitions, (short) settings.replication()).configs(Map.of(
                    TopicConfig.RETENTION_MS_CONFIG, String.valueOf(TimeUnit.HOURS.toMillis(settings.retentionHours())),
                    // Keep the batches as the producer compressed them (lz4) instead of recompressing on the broker.
                    TopicConfig.COMPRESSION_TYPE_CONFIG, "producer",
                    // With acks=all, a write is only acknowledged once it is on this many replicas.
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(settings.minInsyncReplicas())));
            admin.createTopics(List.of(newTopic)).all().get(30, TimeUnit.SECONDS);
            LOG.info("created topic {} with {} partitions, {} replicas ({} in sync for a write), retention {} h", topic, partitions,
                    settings.replication(), settings.minInsyncReplicas(), settings.retentionHours());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
