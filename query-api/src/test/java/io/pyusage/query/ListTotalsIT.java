package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A list's total is the same on every page: a full one, a last one that is not full, one past the end. */
class ListTotalsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void everyPageOfAListTellsTheSameTotal() throws Exception {
        ClickHouseConfig clickHouse = TestClickHouse.freshDatabase("list_totals");
        try (RunningQueryApi api = RunningQueryApi.start(clickHouse, Map.of())) {
            try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                KnownStarts.loadInto(store, UserNames.AS_GIVEN);
            }
            String packages = api.url() + "/api/v1/packages?since=3650d";
            int all = get(packages + "&limit=1000").path("rows").size();
            assertTrue(all >= 2, "the known starts have more than one package: " + all);

            JsonNode full = get(packages + "&limit=1");
            assertEquals(1, full.path("rows").size());
            assertEquals(all, full.path("total").asInt(), "a full page: the answer tells the total");

            JsonNode last = get(packages + "&limit=5&offset=" + (all - 1));
            assertEquals(1, last.path("rows").size());
            assertEquals(all, last.path("total").asInt(), "the last page, not full, tells the total itself");

            JsonNode past = get(packages + "&limit=5&offset=" + (all + 10));
            assertEquals(0, past.path("rows").size());
            assertEquals(all, past.path("total").asInt(), "a page past the end: the answer tells the total");

            // A ranked list's page is limited inside a subquery: its total is counted apart.
            String users = api.url() + "/api/v1/packages/numpy/users?since=3650d";
            int allUsers = get(users + "&limit=1000").path("rows").size();
            assertTrue(allUsers >= 2, "the known starts have more than one numpy user: " + allUsers);
            assertEquals(allUsers, get(users + "&limit=1").path("total").asInt());

            HttpResponse<String> csv = HTTP.send(HttpRequest.newBuilder(URI.create(packages + "&limit=1&format=csv")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(String.valueOf(all), csv.headers().firstValue("X-Total-Count").orElseThrow());
        }
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return StartupRecordCodec.mapper().readTree(response.body());
    }
}
