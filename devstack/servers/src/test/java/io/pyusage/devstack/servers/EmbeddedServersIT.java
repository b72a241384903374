package io.pyusage.devstack.servers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedServersIT {

    @TempDir
    Path dir;

    @Test
    void clickHouseAnswersQueriesAndStopsCleanly() throws Exception {
        try (EmbeddedClickHouse clickHouse = EmbeddedClickHouse.onFreePorts(dir.resolve("ch")).start()) {
            String version = query(clickHouse, "SELECT version()");
            assertTrue(version.matches("\\d+\\.\\d+.*"), version);
            assertEquals("2", query(clickHouse, "SELECT 1 + 1"));
            clickHouse.stop();
            assertThrows(IOException.class, () -> query(clickHouse, "SELECT 1"));
        }
    }

    @Test
    void kafkaKeepsTopicsAcrossARestartOnTheSameData() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start()) {
            try (Admin admin = admin(kafka)) {
                admin.createTopics(List.of(new NewTopic("survives", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            kafka.stop();
            assertFalse(Files.exists(dir.resolve("kafka/broker.pid")), "pid file removed on stop");
            kafka.start();
            try (Admin admin = admin(kafka)) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(topics.contains("survives"), topics.toString());
            }
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static String query(EmbeddedClickHouse clickHouse, String sql) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                clickHouse.request("/?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body().trim();
    }
}
