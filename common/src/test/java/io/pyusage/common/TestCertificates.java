package io.pyusage.common;

import io.pyusage.common.config.PemTrust;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made at run time with Debian's
 * {@code openssl}, and an HTTP client that trusts only it.
 */
public record TestCertificates(Path certificate, Path privateKey) {

    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path cert = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        Process openssl = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            throw new IOException("openssl could not make a test certificate:\n" + output);
        }
        return new TestCertificates(cert, key);
    }

    /** An HTTP/1.1 client whose only trusted certificate is this one. */
    public HttpClient trustingClient() {
        return HttpClient.newBuilder().sslContext(PemTrust.sslContext(certificate)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }
}
