package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestRecords;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** ClickHouse goes away mid-stream: the aggregator pauses, says so in /health, and catches up on its own. */
class ClickHouseOutageIT {

    @Test
    void recordsAcceptedDuringAnOutageArriveOnceClickHouseIsBack() throws Exception {
        DevStack stack = TestStack.get();
        String pkg = "outage-" + UUID.randomUUID().toString().substring(0, 8);
        stack.clickHouse().stop();
        try {
            for (int i = 0; i < 3; i++) {
                byte[] record = TestRecords.bytes(TestRecords.valid("grace", "node" + i, List.of(List.of(pkg, "1." + i))));
                assertEquals(202, TestStack.post(stack.collectorHttpUrl() + "/v1/startups", record).statusCode(),
                        "the collector does not need ClickHouse");
            }
            JsonNode health = TestStack.awaitJson(stack.aggregatorUrl() + "/health", Duration.ofSeconds(60),
                    h -> h.path("paused").asBoolean());
            assertEquals("DEGRADED", health.path("status").asText(), health.toString());
        } finally {
            stack.clickHouse().start();
        }
        JsonNode users = TestStack.awaitJson(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users",
                Duration.ofSeconds(60), a -> DemoCheck.starts(a) == 3);
        assertEquals(3, DemoCheck.starts(users), String.valueOf(users));
        JsonNode health = TestStack.awaitJson(stack.aggregatorUrl() + "/health", Duration.ofSeconds(30),
                h -> "UP".equals(h.path("status").asText()));
        assertEquals("UP", health.path("status").asText(), health.toString());
    }
}
