package io.pyusage.common.service;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes an HTTP/1.1 connection whose request has not wholly arrived (headers and body) within a
 * deadline, counted from the connection's opening or from its previous answer. The idle timeout
 * alone does not stop a client that sends a byte now and then ("slowloris"); this does, however
 * slowly the bytes come. The time to compute an answer is not counted: once a request has arrived,
 * only the next one is timed.
 */
public final class RequestDeadline {

    private final Vertx vertx;
    private final long deadlineMillis;
    private final Map<HttpConnection, Arrival> arrivals = new ConcurrentHashMap<>();

    /** What a connection is waiting for: the request being received (null before its headers) and its timer. */
    private static final class Arrival {
        HttpServerRequest request;
        long timer = -1;
    }

    private RequestDeadline(Vertx vertx, Duration deadline) {
        this.vertx = vertx;
        this.deadlineMillis = Math.max(1, deadline.toMillis());
    }

    /** Sets {@code server}'s connection and request handlers: {@code requests} then gets every request. */
    public static HttpServer install(Vertx vertx, HttpServer server, Handler<HttpServerRequest> requests, Duration deadline) {
        RequestDeadline deadlines = new RequestDeadline(vertx, deadline);
        return server.connectionHandler(deadlines::opened).requestHandler(request -> {
            deadlines.arriving(request);
            requests.handle(request);
        });
    }

    private void opened(HttpConnection connection) {
        Arrival arrival = new Arrival();
        arrivals.put(connection, arrival);
        arm(connection, arrival);
        connection.closeHandler(closed -> {
            Arrival gone = arrivals.remove(connection);
            if (gone != null) {
                vertx.cancelTimer(gone.timer);
            }
        });
    }

    private void arriving(HttpServerRequest request) {
        Arrival arrival = arrivals.get(request.connection());
        if (arrival == null) {
            return; // not over HTTP/1.1 connections this instance saw open
        }
        arrival.request = request;
        request.response().endHandler(answered -> {
            arrival.request = null;
            arm(request.connection(), arrival);
        });
    }

    private void arm(HttpConnection connection, Arrival arrival) {
        vertx.cancelTimer(arrival.timer);
        arrival.timer = vertx.setTimer(deadlineMillis, fired -> {
            HttpServerRequest request = arrival.request;
            if (request == null || !request.isEnded()) {
                connection.close();
            }
        });
    }
}
