package io.pyusage.aggregator;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.devstack.servers.FreePorts;
import java.util.HashMap;
import java.util.Map;

/** An aggregator's environment for tests: a fresh port, short batches and backoff, the given broker and database. */
final class TestAggregatorEnv {

    private TestAggregatorEnv() {
    }

    static Map<String, String> of(String bootstrap, String topic, String group, ClickHouseConfig clickHouse) {
        Map<String, String> env = new HashMap<>();
        env.put("PYUSAGE_KAFKA_BOOTSTRAP", bootstrap);
        env.put("PYUSAGE_KAFKA_TOPIC", topic);
        env.put("PYUSAGE_KAFKA_PARTITIONS", "3");
        env.put("PYUSAGE_KAFKA_REPLICATION", "1");
        env.put("PYUSAGE_KAFKA_MIN_INSYNC_REPLICAS", "1");
        env.put("PYUSAGE_AGGREGATOR_GROUP", group);
        env.put("PYUSAGE_CLICKHOUSE_URL", clickHouse.url().toString());
        env.put("PYUSAGE_CLICKHOUSE_PASSWORD", clickHouse.password());
        env.put("PYUSAGE_CLICKHOUSE_DATABASE", clickHouse.database());
        env.put("PYUSAGE_AGGREGATOR_HOST", "127.0.0.1");
        env.put("PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(FreePorts.next()));
        env.put("PYUSAGE_AGGREGATOR_BATCH_MS", "200");
        env.put("PYUSAGE_AGGREGATOR_MAX_BACKOFF_MS", "2000");
        return env;
    }
}
