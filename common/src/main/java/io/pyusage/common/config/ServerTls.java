package io.pyusage.common.config;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A server's TLS certificate chain and private key, as PEM files, for Vert.x's own TLS. Read from
 * {@code <prefix>_TLS_CERT} and {@code <prefix>_TLS_KEY}: both or neither, each a readable file.
 */
public record ServerTls(Path certificate, Path privateKey) {

    /** The pair named by {@code prefix}'s variables, or empty (plain HTTP) when neither is set. */
    public static Optional<ServerTls> from(Env env, String prefix) {
        String cert = env.string(prefix + "_TLS_CERT", null);
        String key = env.string(prefix + "_TLS_KEY", null);
        if (cert == null && key == null) {
            return Optional.empty();
        }
        env.require(cert != null && key != null, prefix + "_TLS_CERT and " + prefix + "_TLS_KEY must be set together");
        if (cert == null || key == null) {
            return Optional.empty();
        }
        env.require(Files.isReadable(Path.of(cert)), prefix + "_TLS_CERT=" + cert + " is not a readable file");
        env.require(Files.isReadable(Path.of(key)), prefix + "_TLS_KEY=" + key + " is not a readable file");
        return Optional.of(new ServerTls(Path.of(cert), Path.of(key)));
    }

    /** {@code options} listening with TLS on {@code tls}, or as they are without it. */
    public static HttpServerOptions apply(Optional<ServerTls> tls, HttpServerOptions options) {
        tls.ifPresent(files -> options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                .setCertPath(files.certificate().toString()).setKeyPath(files.privateKey().toString())));
        return options;
    }

    /** The URL scheme a server with or without TLS answers on. */
    public static String scheme(Optional<ServerTls> tls) {
        return tls.isPresent() ? "https" : "http";
    }
}
