package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestCertificates;
import io.pyusage.common.TestDirectories;
import io.pyusage.common.config.Env;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.FreePorts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The store over HTTPS to a real ClickHouse 18.16 with a certificate made for the test, checked against its CA file. */
class ClickHouseHttpsIT {

    @Test
    void anHttpsUrlIsCheckedAgainstTheGivenCaAndRefusedWithoutIt() throws Exception {
        Path dir = TestDirectories.underTarget("clickhouse-https-");
        TestCertificates certificates = TestCertificates.create(dir.resolve("tls"));
        try (EmbeddedClickHouse server = EmbeddedClickHouse.onFreePorts(dir.resolve("server"))
                .withHttps(certificates.certificate(), certificates.privateKey(), FreePorts.next()).start()) {
            Env env = new Env(Map.of("PYUSAGE_CLICKHOUSE_URL", server.httpsUrl(), "PYUSAGE_CLICKHOUSE_PASSWORD", server.password(),
                    "PYUSAGE_CLICKHOUSE_CA_FILE", certificates.certificate().toString(), "PYUSAGE_CLICKHOUSE_DATABASE", "default"));
            ClickHouseConfig config = ClickHouseConfig.from(env);
            env.validate();
            try (ClickHouseStore store = new ClickHouseStore(config)) {
                assertEquals(2, store.query("SELECT 1 + 1 AS two").get(0).get("two").asInt(), "answered over TLS");
            }
            ClickHouseConfig untrusted = new ClickHouseConfig(URI.create(server.httpsUrl()), "default", "default", server.password(),
                    Duration.ofSeconds(10), Optional.empty());
            try (ClickHouseStore store = new ClickHouseStore(untrusted)) {
                ClickHouseStore.ClickHouseException refused = assertThrows(ClickHouseStore.ClickHouseException.class,
                        () -> store.query("SELECT 1"));
                assertTrue(refused.getMessage().contains("SSLHandshakeException") || refused.getMessage().contains("certification path"),
                        "a certificate no CA vouches for is refused: " + refused.getMessage());
            }
        }
    }
}
