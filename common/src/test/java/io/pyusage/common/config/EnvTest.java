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
        Env env = new Env(Map.of());
        ClickHouseConfig config = ClickHouseConfig.from(env);
        env.validate();
        assertEquals(ClickHouseConfig.DEFAULT_URL, config.url().toString());
        assertEquals("pyusage", config.database());
        assertEquals(new KafkaSettings("127.0.0.1:19092", "startups", 6, 1, true, 168), KafkaSettings.from(new Env(Map.of())));
    }

    @Test
    void variablesOverrideDefaults() {
        Env env = new Env(Map.of("PYUSAGE_CLICKHOUSE_URL", "http://ch.example:8123", "PYUSAGE_KAFKA_PARTITIONS", "12"));
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
