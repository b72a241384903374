package io.pyusage.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where the startup records flow through Kafka; shared by the collector (producer) and the
 * aggregator (consumer).
 *
 * @param bootstrapServers {@code PYUSAGE_KAFKA_BOOTSTRAP}, required: {@code host:port} of one or more brokers, comma-separated
 * @param topic            {@code PYUSAGE_KAFKA_TOPIC}, default {@code startups}
 * @param partitions       {@code PYUSAGE_KAFKA_PARTITIONS}, default 6: used when a service creates the missing topic
 * @param replication      {@code PYUSAGE_KAFKA_REPLICATION}, default 3: replicas of a topic a service creates (the
 *                         single-broker embedded default sets 1)
 * @param createTopics     {@code PYUSAGE_KAFKA_CREATE_TOPICS}, default true: create missing topics at start; false
 *                         where topics are managed elsewhere (a missing topic then fails the start)
 * @param retentionHours   {@code PYUSAGE_KAFKA_RETENTION_HOURS}, default 168: how long a created topic keeps records,
 *                         i.e. how long the aggregator may be down before records are lost
 * @param clientProperties {@code PYUSAGE_KAFKA_CONFIG_FILE}, default none: a Java properties file of Kafka client
 *                         properties (SSL, SASL, timeouts...) given to every producer, consumer and admin client;
 *                         pyusage's own settings of a client (acks, idempotence, offsets, serializers) win over it,
 *                         and the servers come from {@code PYUSAGE_KAFKA_BOOTSTRAP}
 * @param minInsyncReplicas {@code PYUSAGE_KAFKA_MIN_INSYNC_REPLICAS}, default 2 (1 when the replication is 1): a created
 *                         topic's {@code min.insync.replicas}, the replicas a write must reach before the collector
 *                         acknowledges it (acks=all); at most the replication
 */
public record KafkaSettings(String bootstrapServers, String topic, int partitions, int replication,
                            boolean createTopics, int retentionHours, Map<String, String> clientProperties, int minInsyncReplicas) {

    public KafkaSettings {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Settings without client properties of the operator's, writes acknowledged by up to 2 replicas. */
    public KafkaSettings(String bootstrapServers, String topic, int partitions, int replication, boolean createTopics, int retentionHours) {
        this(bootstrapServers, topic, partitions, replication, createTopics, retentionHours, Map.of(), Math.min(2, replication));
    }

    public static KafkaSettings from(Env env) {
        String topic = env.string("PYUSAGE_KAFKA_TOPIC", "startups");
        env.require(topic.matches("[A-Za-z0-9._-]{1,249}"), "PYUSAGE_KAFKA_TOPIC=" + topic + " is not a valid topic name");
        int replication = env.integer("PYUSAGE_KAFKA_REPLICATION", 3, 1, 32);
        int minInsync = env.integer("PYUSAGE_KAFKA_MIN_INSYNC_REPLICAS", Math.min(2, replication), 1, 32);
        env.require(minInsync <= replication, "PYUSAGE_KAFKA_MIN_INSYNC_REPLICAS=" + minInsync
                + " is more than PYUSAGE_KAFKA_REPLICATION=" + replication + ": no write could ever be acknowledged");
        return new KafkaSettings(env.required("PYUSAGE_KAFKA_BOOTSTRAP", "the Kafka brokers, host:port[,host:port...]"), topic,
                env.integer("PYUSAGE_KAFKA_PARTITIONS", 6, 1, 10_000),
                replication,
                env.bool("PYUSAGE_KAFKA_CREATE_TOPICS", true),
                env.integer("PYUSAGE_KAFKA_RETENTION_HOURS", 168, 1, 24 * 366 * 10),
                env.parsed("PYUSAGE_KAFKA_CONFIG_FILE", "", KafkaSettings::readProperties),
                minInsync);
    }

    /**
     * The configuration of one client: the operator's properties, then the servers, then the
     * client's own settings ({@code own}), which win.
     */
    public Map<String, Object> clientConfig(Map<String, Object> own) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put("bootstrap.servers", bootstrapServers);
        config.putAll(own);
        return config;
    }

    /** The properties of a file ({@code ""}: none); a file that cannot be read is a configuration error. */
    static Map<String, String> readProperties(String file) {
        if (file.isBlank()) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> read = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> read.put(name, properties.getProperty(name)));
        if (read.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException(file + " sets bootstrap.servers: give the servers as PYUSAGE_KAFKA_BOOTSTRAP");
        }
        return read;
    }

    /** The topic that keeps records the aggregator could not store, with the reason in a header. */
    public String deadLetterTopic() {
        return topic + ".dlq";
    }
}
