package io.pyusage.common.config;

/**
 * Where the startup records flow through Kafka; shared by the collector (producer) and the
 * aggregator (consumer).
 *
 * @param bootstrapServers {@code PYUSAGE_KAFKA_BOOTSTRAP}, default {@code 127.0.0.1:19092} (the devstack broker)
 * @param topic            {@code PYUSAGE_KAFKA_TOPIC}, default {@code startups}
 * @param partitions       {@code PYUSAGE_KAFKA_PARTITIONS}, default 6: used when a service creates the missing topic
 * @param replication      {@code PYUSAGE_KAFKA_REPLICATION}, default 1 (the single-broker devstack); 3 on a real cluster
 * @param createTopics     {@code PYUSAGE_KAFKA_CREATE_TOPICS}, default true: create missing topics at start; false
 *                         where topics are managed elsewhere (a missing topic then fails the start)
 * @param retentionHours   {@code PYUSAGE_KAFKA_RETENTION_HOURS}, default 168: how long a created topic keeps records,
 *                         i.e. how long the aggregator may be down before records are lost
 */
public record KafkaSettings(String bootstrapServers, String topic, int partitions, int replication,
                            boolean createTopics, int retentionHours) {

    public static KafkaSettings from(Env env) {
        String topic = env.string("PYUSAGE_KAFKA_TOPIC", "startups");
        env.require(topic.matches("[A-Za-z0-9._-]{1,249}"), "PYUSAGE_KAFKA_TOPIC=" + topic + " is not a valid topic name");
        return new KafkaSettings(env.string("PYUSAGE_KAFKA_BOOTSTRAP", "127.0.0.1:19092"), topic,
                env.integer("PYUSAGE_KAFKA_PARTITIONS", 6, 1, 10_000),
                env.integer("PYUSAGE_KAFKA_REPLICATION", 1, 1, 32),
                env.bool("PYUSAGE_KAFKA_CREATE_TOPICS", true),
                env.integer("PYUSAGE_KAFKA_RETENTION_HOURS", 168, 1, 24 * 366 * 10));
    }

    /** The topic that keeps records the aggregator could not store, with the reason in a header. */
    public String deadLetterTopic() {
        return topic + ".dlq";
    }
}
