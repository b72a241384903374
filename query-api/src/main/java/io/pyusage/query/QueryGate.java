package io.pyusage.query;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Admits API requests to ClickHouse so that one reader cannot starve the rest: at most
 * {@code total} requests run at once and at most {@code perClient} of one client (its token, or its
 * address when the API is open); a client's further requests wait in its own queue, bounded by
 * {@code waitingPerClient}, and are refused beyond it. A freed place goes to the waiting client that
 * runs the fewest requests, so a flood from one client is served in turn with everyone else.
 * Not thread-safe: used from the service's event loop only.
 */
final class QueryGate {

    /** The gate's bounds; see the class comment. */
    record Limits(int total, int perClient, int waitingPerClient) {

        Limits {
            if (total < 1 || perClient < 1 || perClient > total || waitingPerClient < 0) {
                throw new IllegalArgumentException("bad limits: " + total + ", " + perClient + ", " + waitingPerClient);
            }
        }
    }

    /** A request that waits for its place, runs, then leaves. */
    final class Ticket {
        private final String client;
        private final Promise<Ticket> admitted = Promise.promise();
        private int rank;
        private boolean running;
        private boolean done;

        private Ticket(String client) {
            this.client = client;
        }

        /**
         * 1 for a client's first running request, 2 for its second...: ClickHouse's {@code priority},
         * so that a client's extra queries yield to everyone's first.
         */
        int priority() {
            return rank + 1;
        }

        /** Leaves the gate (the answer is sent, or the client has gone); a second call does nothing. */
        void leave() {
            if (done) {
                return;
            }
            done = true;
            if (running) {
                runningOf.merge(client, -1, Integer::sum);
                runningOf.remove(client, 0);
                runningTotal--;
            } else {
                Deque<Ticket> queue = waitingOf.get(client);
                if (queue != null && queue.remove(this)) {
                    waitingTotal--;
                    if (queue.isEmpty()) {
                        waitingOf.remove(client);
                    }
                }
                admitted.tryFail(new IllegalStateException("the request left before it was admitted"));
            }
            dispatch();
        }
    }

    /** A client over its bound of waiting requests. */
    static final class TooManyRequests extends RuntimeException {
        TooManyRequests(String message) {
            super(message, null, false, false);
        }
    }

    private final Limits limits;
    private final Map<String, Integer> runningOf = new HashMap<>();
    private final Map<String, Deque<Ticket>> waitingOf = new LinkedHashMap<>();
    private int runningTotal;
    private int waitingTotal;

    QueryGate(Limits limits) {
        this.limits = limits;
    }

    /** A ticket that is admitted now or later, or a failed future when the client already has too many waiting. */
    Future<Ticket> admit(String client) {
        Deque<Ticket> queue = waitingOf.computeIfAbsent(client, key -> new ArrayDeque<>());
        boolean runsNow = runningTotal < limits.total() && runningOf.getOrDefault(client, 0) < limits.perClient();
        if (!runsNow && queue.size() >= limits.waitingPerClient()) {
            if (queue.isEmpty()) {
                waitingOf.remove(client);
            }
            return Future.failedFuture(new TooManyRequests("too many requests at once from this client: at most "
                    + limits.perClient() + " run and " + limits.waitingPerClient() + " wait"));
        }
        Ticket ticket = new Ticket(client);
        queue.addLast(ticket);
        waitingTotal++;
        dispatch();
        return ticket.admitted.future();
    }

    int running() {
        return runningTotal;
    }

    int waiting() {
        return waitingTotal;
    }

    /** Fills free places, each with the first waiting request of the client that runs the fewest. */
    private void dispatch() {
        while (runningTotal < limits.total()) {
            String next = null;
            int fewest = Integer.MAX_VALUE;
            for (Map.Entry<String, Deque<Ticket>> client : waitingOf.entrySet()) {
                int running = runningOf.getOrDefault(client.getKey(), 0);
                if (running < limits.perClient() && running < fewest) {
                    fewest = running;
                    next = client.getKey();
                }
            }
            if (next == null) {
                return;
            }
            Deque<Ticket> queue = waitingOf.get(next);
            Ticket ticket = queue.pollFirst();
            if (queue.isEmpty()) {
                waitingOf.remove(next);
            }
            waitingTotal--;
            ticket.rank = fewest;
            ticket.running = true;
            runningOf.merge(next, 1, Integer::sum);
            runningTotal++;
            ticket.admitted.complete(ticket);
        }
    }
}
