package io.pyusage.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the project's topics exist at service start: creates a missing one (brokers here never
 * auto-create) with the configured retention, or, when creation is switched off, fails naming it.
 */
public final class KafkaTopics {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private KafkaTopics() {
    }

    /**
     * The topic's id: unlike its name, it changes when a topic is deleted and created again, so
     * positions stored for the old topic are never applied to the new one.
     */
    public static String topicId(KafkaSettings settings, String topic)
            throws InterruptedException, ExecutionException {
        try (Admin admin = admin(settings)) {
            return answer(settings, admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).topicId().toString();
        }
    }

    /**
     * The admin call's answer; a refused login or TLS handshake, and a Kafka that does not answer,
     * become an {@link IllegalStateException} that says so, which stops the service's start without a trace.
     */
    private static <T> T answer(KafkaSettings settings, KafkaFuture<T> call) throws InterruptedException, ExecutionException {
        try {
            return call.get(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SslAuthenticationException) {
                throw new IllegalStateException("Kafka at " + settings.bootstrapServers() + ": the TLS handshake failed ("
                        + e.getCause().getMessage() + "); check the ssl.* properties in PYUSAGE_KAFKA_CONFIG_FILE", e);
            }
            if (e.getCause() instanceof AuthenticationException) {
                throw new IllegalStateException("Kafka at " + settings.bootstrapServers() + " refused this service's login ("
                        + e.getCause().getMessage() + "); check the user and password in sasl.jaas.config of PYUSAGE_KAFKA_CONFIG_FILE", e);
            }
            throw e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + settings.bootstrapServers() + " did not answer within " + ANSWER_TIMEOUT.toSeconds()
                    + " s; check PYUSAGE_KAFKA_BOOTSTRAP, and security.protocol in PYUSAGE_KAFKA_CONFIG_FILE where the brokers want TLS or SASL", e);
        }
    }

    private static Admin admin(KafkaSettings settings) {
        return Admin.create(settings.clientConfig(Map.of()));
    }

    public static void ensure(KafkaSettings settings, String topic, int partitions)
            throws InterruptedException, ExecutionException {
        try (Admin admin = admin(settings)) {
            if (answer(settings, admin.listTopics().names()).contains(topic)) {
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
            answer(settings, admin.createTopics(List.of(newTopic)).all());
            LOG.info("created topic {} with {} partitions, {} replicas ({} in sync for a write), retention {} h", topic, partitions,
                    settings.replication(), settings.minInsyncReplicas(), settings.retentionHours());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
