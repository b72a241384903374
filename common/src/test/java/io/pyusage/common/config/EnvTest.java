package io.pyusage.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {

    @Test
    void defaultsApplyWhenVariablesAreUnset() {
        Env env = new Env(Map.of("PYUSAGE_CLICKHOUSE_URL", "https://ch.example:8443", "PYUSAGE_KAFKA_BOOTSTRAP", "k1:9092,k2:9092"));
        ClickHouseConfig config = ClickHouseConfig.from(env);
        KafkaSettings kafka = KafkaSettings.from(env);
        env.validate();
        assertEquals("pyusage", config.database());
        assertEquals("default", config.user());
        // A created topic survives a broker's loss: three replicas, a write on two of them.
        assertEquals(new KafkaSettings("k1:9092,k2:9092", "startups", 6, 3, true, 168), kafka);
        assertEquals(2, kafka.minInsyncReplicas());
    }

    @Test
    void noServerHasADefaultAndEveryMissingOneIsNamed() {
        Env env = new Env(Map.of());
        ClickHouseConfig.from(env);
        KafkaSettings.from(env);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, env::validate);
        assertTrue(e.getMessage().contains("PYUSAGE_CLICKHOUSE_URL is required"), e.getMessage());
        assertTrue(e.getMessage().contains("PYUSAGE_KAFKA_BOOTSTRAP is required"), e.getMessage());
    }

    @Test
    void aSingleReplicaTopicAsksForOneInSyncReplica() {
        Env env = new Env(Map.of("PYUSAGE_KAFKA_BOOTSTRAP", "k:9092", "PYUSAGE_KAFKA_REPLICATION", "1"));
        assertEquals(1, KafkaSettings.from(env).minInsyncReplicas());
        env.validate();
        Env impossible = new Env(Map.of("PYUSAGE_KAFKA_BOOTSTRAP", "k:9092", "PYUSAGE_KAFKA_REPLICATION", "2",
                "PYUSAGE_KAFKA_MIN_INSYNC_REPLICAS", "3"));
        KafkaSettings.from(impossible);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, impossible::validate);
        assertTrue(e.getMessage().contains("PYUSAGE_KAFKA_MIN_INSYNC_REPLICAS=3 is more than PYUSAGE_KAFKA_REPLICATION=2"), e.getMessage());
    }

    @Test
    void variablesOverrideDefaults() {
        Env env = new Env(Map.of("PYUSAGE_CLICKHOUSE_URL", "http://ch.example:8123", "PYUSAGE_KAFKA_PARTITIONS", "12",
                "PYUSAGE_KAFKA_BOOTSTRAP", "k:9092"));
        assertEquals("ch.example", ClickHouseConfig.from(env).url().getHost());
        assertEquals(12, KafkaSettings.from(env).partitions());
        env.validate();
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Env env = new Env(Map.of("PYUSAGE_CLICKHOUSE_URL", "ftp://x", "PYUSAGE_KAFKA_PARTITIONS", "many",
                "PYUSAGE_CLICKHOUSE_DATABASE", "drop table", "PORT", "70000"));
        ClickHouseConfig.from(env);
        KafkaSettings.from(env);
        env.port("PORT", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, env::validate);
        for (String name : new String[] {"PYUSAGE_CLICKHOUSE_URL", "PYUSAGE_KAFKA_PARTITIONS", "PYUSAGE_CLICKHOUSE_DATABASE", "PORT"}) {
            assertTrue(e.getMessage().contains(name), name + " missing from: " + e.getMessage());
        }
    }
}
