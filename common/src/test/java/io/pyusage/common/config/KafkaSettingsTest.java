package io.pyusage.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSettingsTest {

    @Test
    void theOperatorsClientPropertiesReachEveryClientButNeverOverrideOurOwn(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("kafka.properties"), """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="pyusage" password="s3cret";
                ssl.truststore.location=/etc/pyusage/kafka-ca.p12
                acks=0
                """);
        Env env = new Env(Map.of("PYUSAGE_KAFKA_BOOTSTRAP", "kafka1:9093,kafka2:9093", "PYUSAGE_KAFKA_CONFIG_FILE", file.toString()));
        KafkaSettings settings = KafkaSettings.from(env);
        env.validate();
        Map<String, Object> producer = settings.clientConfig(Map.of("acks", "all"));
        assertEquals("SASL_SSL", producer.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", producer.get("sasl.mechanism"));
        assertTrue(String.valueOf(producer.get("sasl.jaas.config")).contains("username=\"pyusage\""));
        assertEquals("all", producer.get("acks"), "our own setting wins: acks=all is what a 202 promises");
        assertEquals("kafka1:9093,kafka2:9093", producer.get("bootstrap.servers"));
        assertEquals("SASL_SSL", settings.clientConfig(Map.of()).get("security.protocol"), "the admin client too");
    }

    @Test
    void aFileThatCannotBeReadOrThatNamesTheServersStopsTheStartNamingTheVariable(@TempDir Path dir) throws Exception {
        Env missing = new Env(Map.of("PYUSAGE_KAFKA_CONFIG_FILE", dir.resolve("absent.properties").toString()));
        KafkaSettings.from(missing);
        String problem = assertThrows(IllegalArgumentException.class, missing::validate).getMessage();
        assertTrue(problem.contains("PYUSAGE_KAFKA_CONFIG_FILE") && problem.contains("absent.properties"), problem);

        Path servers = Files.writeString(dir.resolve("servers.properties"), "bootstrap.servers=elsewhere:9092\n");
        Env twice = new Env(Map.of("PYUSAGE_KAFKA_CONFIG_FILE", servers.toString()));
        KafkaSettings.from(twice);
        assertTrue(assertThrows(IllegalArgumentException.class, twice::validate).getMessage().contains("PYUSAGE_KAFKA_BOOTSTRAP"));
    }
}
