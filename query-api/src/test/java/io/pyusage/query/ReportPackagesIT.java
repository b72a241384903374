package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestClickHouse;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.record.UserNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's packages through the API: the same answer whether or not a package row is stored twice. */
class ReportPackagesIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aPackageRowStoredTwiceCountsOnceAndTheMarkIsNotAnswered() throws Exception {
        ClickHouseConfig clickHouse = TestClickHouse.freshDatabase("report_packages");
        try (RunningQueryApi api = RunningQueryApi.start(clickHouse, Map.of());
             ClickHouseStore store = new ClickHouseStore(clickHouse)) {
            KnownStarts.loadInto(store, UserNames.AS_GIVEN);
            String report = api.url() + "/api/v1/reports/deprecation?base=2020.11&target=2023.06";
            JsonNode before = get(report).path("packages");
            assertEquals("numpy", before.get(0).get("name").asText());
            assertEquals("1.24.0", before.get(0).get("version").asText());
            assertEquals(2, before.get(0).get("starts").asInt());
            before.forEach(row -> assertFalse(row.has("repeated"), row.toString()));

            // Environment 2 (numpy 1.24.0) stored again, as two aggregators storing it at once would.
            store.insertJsonEachRow("environment_packages", """
                    {"env_id":2,"name":"numpy","version":"1.24.0","first_seen":"2026-01-01"}
                    """.getBytes(StandardCharsets.UTF_8));
            assertEquals(before.toString(), get(report).path("packages").toString());
        }
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return StartupRecordCodec.mapper().readTree(response.body());
    }
}
