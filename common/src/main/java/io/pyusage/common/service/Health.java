package io.pyusage.common.service;

import java.util.Map;

/**
 * What {@code GET /health} says. {@code DEGRADED} still answers 200 (the service works, with a
 * reason in {@code details}); {@code DOWN} answers 503 so that load balancers take it out.
 */
public record Health(Status status, Map<String, Object> details) {

    public enum Status { UP, DEGRADED, DOWN }

    public static Health up(Map<String, Object> details) {
        return new Health(Status.UP, details);
    }

    public static Health degraded(Map<String, Object> details) {
        return new Health(Status.DEGRADED, details);
    }
}
