package io.pyusage.devstack.servers;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a broker needs to speak SASL_SSL with SCRAM-SHA-512: a key pair for 127.0.0.1 made with the
 * JDK's {@code keytool}, a trust store holding its certificate, and SCRAM passwords for the broker
 * itself and for the services, all kept owner-only in one directory and made once.
 */
public final class KafkaSaslSsl {

    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The login the broker uses towards itself (inter-broker traffic goes over the same listener). */
    static final String BROKER_USER = "broker";
    /** The login the services use. */
    public static final String SERVICE_USER = "pyusage";

    private final Path keyStore;
    private final Path trustStore;
    private final String storePassword;
    private final String brokerPassword;
    private final String servicePassword;

    private KafkaSaslSsl(Path dir, String storePassword, String brokerPassword, String servicePassword) {
        this.keyStore = dir.resolve("broker.p12");
        this.trustStore = dir.resolve("truststore.p12");
        this.storePassword = storePassword;
        this.brokerPassword = brokerPassword;
        this.servicePassword = servicePassword;
    }

    /** The stores and passwords in {@code dir}, made on first use. */
    public static KafkaSaslSsl in(Path dir) throws IOException, InterruptedException {
        PrivateFiles.directory(dir);
        KafkaSaslSsl tls = new KafkaSaslSsl(dir, PrivateFiles.secret(dir.resolve("store-password"), 32),
                PrivateFiles.secret(dir.resolve("broker-password"), 32), PrivateFiles.secret(dir.resolve("pyusage-password"), 32));
        if (!Files.exists(tls.trustStore)) {
            tls.makeStores(dir);
        }
        return tls;
    }

    private void makeStores(Path dir) throws IOException, InterruptedException {
        Path certificate = dir.resolve("broker.crt");
        Files.deleteIfExists(keyStore);
        keytool(dir, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", storePassword, "-keypass", storePassword);
        keytool(dir, "-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", storePassword,
                "-file", certificate.toString());
        // Written last: its presence says the set is complete.
        keytool(dir, "-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(),
                "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", storePassword);
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        ChildProcess.runToCompletion("keytool " + args[0], command, dir, dir.resolve("keytool.log"), Duration.ofSeconds(60));
    }

    /** The {@code --add-scram} arguments of {@code kafka-storage format} that create both logins with the cluster. */
    List<String> scramCredentials() {
        return List.of("--add-scram", MECHANISM + "=[name=" + BROKER_USER + ",password=" + brokerPassword + "]",
                "--add-scram", MECHANISM + "=[name=" + SERVICE_USER + ",password=" + servicePassword + "]");
    }

    /** The broker's settings for its SASL_SSL listener, the one clients and the broker itself use. */
    Map<String, String> brokerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(BROKER_USER, brokerPassword));
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", keyStore.toString());
        p.put("ssl.keystore.password", storePassword);
        p.put("ssl.key.password", storePassword);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toString());
        p.put("ssl.truststore.password", storePassword);
        return p;
    }

    /** Client properties that log in as {@code user} with {@code password}, trusting only this broker's certificate. */
    public Map<String, String> clientProperties(String user, String password) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaas(user, password));
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toString());
        p.put("ssl.truststore.password", storePassword);
        return p;
    }

    /** The services' own client properties. */
    public Map<String, String> serviceClientProperties() {
        return clientProperties(SERVICE_USER, servicePassword);
    }

    /** Writes {@code properties} owner-only to {@code file}, as {@code PYUSAGE_KAFKA_CONFIG_FILE} reads it. */
    public static Path writeProperties(Path file, Map<String, String> properties) throws IOException {
        Properties p = new Properties();
        p.putAll(properties);
        StringWriter text = new StringWriter();
        p.store(text, "Kafka client properties written by pyusage devstack");
        return PrivateFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }
}
