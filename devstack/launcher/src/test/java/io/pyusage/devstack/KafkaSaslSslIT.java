package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.aggregator.AggregatorConfig;
import io.pyusage.aggregator.AggregatorService;
import io.pyusage.collector.CollectorConfig;
import io.pyusage.collector.CollectorService;
import io.pyusage.common.TestDirectories;
import io.pyusage.common.TestRecords;
import io.pyusage.common.config.Env;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.service.Service;
import io.pyusage.devstack.servers.FreePorts;
import io.pyusage.devstack.servers.KafkaSaslSsl;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded default on a broker that speaks only SASL_SSL with SCRAM-SHA-512, its certificate made
 * at run time with keytool: the services log in through {@code PYUSAGE_KAFKA_CONFIG_FILE} and the
 * pipeline delivers; a wrong password or an untrusted certificate stops a service's start with a
 * message that says which.
 */
class KafkaSaslSslIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static DevStack stack;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = TestDirectories.underTarget("kafka-sasl-ssl-");
        stack = DevStack.startWithKafkaSaslSsl(dir.resolve("var"), DevStackPorts.free(), Map.of());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theServicesLogInOverTlsAndAStartPostedToTheCollectorIsAnsweredByTheQueryApi() throws Exception {
        assertTrue(stack.kafka().serviceSettings().containsKey("PYUSAGE_KAFKA_CONFIG_FILE"), "the services were given the login file");
        String pkg = "sasl-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(stack.collectorHttpUrl() + "/v1/startups"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(TestRecords.bytes(TestRecords.valid("carol", "node03",
                        List.of(List.of(pkg, "2.0")))))).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), accepted.body());

        JsonNode users = awaitUsers(stack.queryApiUrl() + "/api/v1/packages/" + pkg + "/users");
        assertEquals(1, DemoCheck.starts(users), "the start went collector → Kafka (SASL_SSL) → aggregator → ClickHouse: " + users);
    }

    @Test
    void theBrokerRefusesAClientThatSpeaksPlaintext() {
        Map<String, Object> plain = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000);
        try (Admin admin = Admin.create(plain)) {
            assertThrows(Exception.class, () -> admin.listTopics().names().get(10, TimeUnit.SECONDS),
                    "a plaintext client gets no answer from a SASL_SSL listener");
        }
    }

    @Test
    void aWrongPasswordStopsTheCollectorAndTheAggregatorAtStartSayingSo() throws Exception {
        Map<String, String> wrongPassword = withClientProperties("wrong-password.properties",
                stackLogin().clientProperties(KafkaSaslSsl.SERVICE_USER, "not-the-password"));
        for (Service service : List.of(collector(wrongPassword), aggregator(wrongPassword))) {
            String refusal = startRefusal(service);
            assertTrue(refusal.contains("refused this service's login") && refusal.contains("sasl.jaas.config")
                    && refusal.contains("PYUSAGE_KAFKA_CONFIG_FILE"), refusal);
        }
    }

    @Test
    void aBrokerCertificateTheServiceDoesNotTrustStopsItsStartSayingSo() throws Exception {
        Map<String, String> login = new HashMap<>(stackLogin().serviceClientProperties());
        // Without a trust store the JDK's CAs are used, and none of them signed the broker's certificate.
        login.keySet().removeIf(key -> key.startsWith("ssl.truststore"));
        String refusal = startRefusal(collector(withClientProperties("untrusted.properties", login)));
        assertTrue(refusal.contains("TLS handshake failed") && refusal.contains("ssl."), refusal);
    }

    private static KafkaSaslSsl stackLogin() throws Exception {
        return KafkaSaslSsl.in(dir.resolve("var/kafka-tls"));
    }

    /** The stack's Kafka settings with another client properties file. */
    private static Map<String, String> withClientProperties(String file, Map<String, String> properties) throws Exception {
        Map<String, String> settings = new HashMap<>(stack.kafka().serviceSettings());
        settings.put("PYUSAGE_KAFKA_CONFIG_FILE", KafkaSaslSsl.writeProperties(dir.resolve(file), properties).toString());
        return settings;
    }

    private static Service collector(Map<String, String> kafka) {
        Map<String, String> settings = new HashMap<>(kafka);
        settings.put("PYUSAGE_COLLECTOR_HOST", "127.0.0.1");
        settings.put("PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(FreePorts.next()));
        settings.put("PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(FreePorts.next()));
        return new CollectorService(CollectorConfig.from(new Env(settings)));
    }

    private static Service aggregator(Map<String, String> kafka) {
        Map<String, String> settings = new HashMap<>(kafka);
        settings.putAll(stack.clickHouse().aggregatorSettings(DevStack.DATABASE));
        settings.put("PYUSAGE_AGGREGATOR_HOST", "127.0.0.1");
        settings.put("PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(FreePorts.next()));
        return new AggregatorService(AggregatorConfig.from(new Env(settings)));
    }

    /** The message a service's start fails with; the start must fail, and with our own refusal, not the client's exception. */
    private static String startRefusal(Service service) throws Exception {
        Vertx vertx = Service.newVertx(service.registry());
        try {
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> service.start(vertx).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS));
            IllegalStateException refusal = assertInstanceOf(IllegalStateException.class, failed.getCause(), failed.toString());
            assertFalse(refusal.getMessage().isBlank());
            return refusal.getMessage();
        } finally {
            service.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static JsonNode awaitUsers(String url) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode answer = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + stack.apiToken()).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() == 200) {
                answer = StartupRecordCodec.mapper().readTree(response.body());
                if (DemoCheck.starts(answer) >= 1) {
                    return answer;
                }
            }
            Thread.sleep(200);
        }
        return answer;
    }
}
