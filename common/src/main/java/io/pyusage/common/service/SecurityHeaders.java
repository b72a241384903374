package io.pyusage.common.service;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

/**
 * The headers that keep a browser from misreading, framing or caching what a service answers. Data
 * answers (JSON, CSV, metrics) may run no script, load nothing and are never stored; the built-in
 * pages load only their own files.
 */
public final class SecurityHeaders {

    /** For answers that are data: nothing in them may run or load, nor be kept by a cache. */
    public static final String DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    /** For the built-in pages: their own script, style and API, nothing else. */
    public static final String PAGES_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private SecurityHeaders() {
    }

    /** Every answer of a router that serves only data. */
    public static Handler<RoutingContext> data() {
        return ctx -> {
            common(ctx.response().headers(), DATA_POLICY);
            ctx.response().putHeader("Cache-Control", "no-store");
            ctx.next();
        };
    }

    /** Pages and their static files: {@code policy} for what they may load (after {@link #data()}, whose policy it replaces). */
    public static Handler<RoutingContext> pages(String policy) {
        return ctx -> {
            common(ctx.response().headers(), policy);
            ctx.next();
        };
    }

    private static void common(MultiMap headers, String policy) {
        headers.set("Content-Security-Policy", policy)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "no-referrer");
    }
}
