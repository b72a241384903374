package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/**
 * With user names stored as keyed hashes, only an admin token resolves a name to its pseudonym,
 * and the pseudonym finds the user's starts where the name finds nothing.
 */
class PseudonymsIT {

    private static final String KEY = "the-key-the-aggregators-use";
    private static final String READER = "reader-token-for-pseudonyms";
    private static final String ADMIN = "admin-token-for-pseudonyms";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void onlyAnAdminResolvesANameAndThePseudonymFindsTheStarts() throws Exception {
        ClickHouseConfig clickHouse = TestClickHouse.freshDatabase("pseudonyms");
        try (RunningQueryApi api = RunningQueryApi.start(clickHouse,
                Map.of("PYUSAGE_QUERY_TOKENS", READER + "=reader," + ADMIN + "=admin", "PYUSAGE_PSEUDONYM_KEY", KEY))) {
            try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                KnownStarts.loadInto(store, UserNames.withKey(KEY));
            }
            String resolve = api.url() + "/api/v1/pseudonyms/ann";
            assertEquals(401, get(resolve, null).statusCode());
            HttpResponse<String> refused = get(resolve, READER);
            assertEquals(403, refused.statusCode());
            assertEquals("this needs an admin token", json(refused).path("error").asText());

            HttpResponse<String> resolved = get(resolve, ADMIN);
            assertEquals(200, resolved.statusCode());
            String pseudonym = json(resolved).path("pseudonym").asText();
            assertEquals(UserNames.withKey(KEY).stored("ann"), pseudonym);

            JsonNode byPseudonym = json(get(api.url() + "/api/v1/users/" + pseudonym, READER));
            assertEquals(3, byPseudonym.path("rows").get(0).path("starts").asInt(), byPseudonym.toString());
            assertEquals("/home/" + pseudonym + "/venv", byPseudonym.path("rows").get(0).path("prefix").asText());
            assertEquals(0, json(get(api.url() + "/api/v1/users/ann", READER)).path("total").asInt(), "names are not stored");
        }
    }

    @Test
    void withoutAKeyThereIsNothingToResolveAndWithoutTokensNoOneIsAdmin() throws Exception {
        ClickHouseConfig clickHouse = TestClickHouse.freshDatabase("pseudonyms_off");
        try (RunningQueryApi api = RunningQueryApi.start(clickHouse, Map.of("PYUSAGE_QUERY_TOKENS", ADMIN + "=admin"))) {
            assertEquals(404, get(api.url() + "/api/v1/pseudonyms/ann", ADMIN).statusCode());
        }
        try (RunningQueryApi api = RunningQueryApi.start(clickHouse, Map.of("PYUSAGE_PSEUDONYM_KEY", KEY))) {
            assertEquals(200, get(api.url() + "/api/v1/bases", null).statusCode(), "an open API answers readers");
            assertEquals(403, get(api.url() + "/api/v1/pseudonyms/ann", null).statusCode());
        }
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return StartupRecordCodec.mapper().readTree(response.body());
    }
}
