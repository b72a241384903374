package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pyusage.common.TestClickHouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The served OpenAPI document names exactly the API's routes, and each documented path answers. */
class OpenApiIT {

    private static final Pattern PATH_KEY = Pattern.compile("(?m)^  (/api/v1/[^:]+):$");

    @Test
    void theDocumentListsEveryRouteAndEveryDocumentedPathAnswers() throws Exception {
        String admin = "admin-token-for-the-openapi-test";
        try (RunningQueryApi api = RunningQueryApi.start(TestClickHouse.freshDatabase("openapi"),
                Map.of("PYUSAGE_QUERY_TOKENS", admin + "=admin", "PYUSAGE_PSEUDONYM_KEY", "a-key-of-sixteen-or-more"))) {
            QueryApiService service = api.service();
            String base = api.url();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> document = http.send(HttpRequest.newBuilder(URI.create(base + "/openapi.yaml")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, document.statusCode());
            Matcher keys = PATH_KEY.matcher(document.body());
            List<String> documented = keys.results().map(m -> m.group(1)).sorted().toList();
            assertEquals(service.apiPaths(), documented, "documented paths = routes");
            for (String path : documented) {
                String url = base + path.replace("{name}", "numpy").replace("{user}", "ann").replace("{host}", "h1")
                        + (path.endsWith("deprecation") ? "?base=2020.11&target=2023.06" : path.endsWith("unused") ? "?base=2020.11" : "");
                int status = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + admin).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                assertEquals(200, status, url);
            }
        }
    }
}
