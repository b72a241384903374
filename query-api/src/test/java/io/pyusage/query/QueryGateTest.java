package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryGateTest {

    @Test
    void aFloodingClientRunsItsShareAndWaitsWhileAnotherIsAdmittedAtOnce() {
        QueryGate gate = new QueryGate(new QueryGate.Limits(3, 2, 4));
        List<Future<QueryGate.Ticket>> flood = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            flood.add(gate.admit("flooder"));
        }
        assertEquals(2, flood.stream().filter(Future::succeeded).count(), "two run, the per-client bound");
        assertEquals(4, gate.waiting());
        Future<QueryGate.Ticket> refused = gate.admit("flooder");
        assertTrue(refused.failed(), "a fifth waiting request is refused");
        assertInstanceOf(QueryGate.TooManyRequests.class, refused.cause());

        Future<QueryGate.Ticket> cheap = gate.admit("reader");
        assertTrue(cheap.succeeded(), "another client takes the free place at once");
        assertEquals(1, cheap.result().priority(), "its first request has the first priority");
        assertEquals(2, flood.get(1).result().priority(), "the flooder's second yields to everyone's first");
        assertEquals(3, gate.running());

    }

    @Test
    void aFreedPlaceGoesToTheClientThatRunsFewestNotToTheOldestWaiting() {
        QueryGate gate = new QueryGate(new QueryGate.Limits(4, 3, 4));
        List<QueryGate.Ticket> flooding = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            flooding.add(gate.admit("flooder").result());
        }
        gate.admit("reader").result();
        Future<QueryGate.Ticket> floodersFourth = gate.admit("flooder");
        Future<QueryGate.Ticket> readersSecond = gate.admit("reader");
        assertFalse(floodersFourth.isComplete() || readersSecond.isComplete(), "the gate is full");
        flooding.get(0).leave();
        assertTrue(readersSecond.succeeded(), "the reader runs one, the flooder two: the reader's turn");
        assertFalse(floodersFourth.isComplete(), "though the flooder has waited longer");
    }

    @Test
    void aWaitingRequestWhoseClientLeftGivesUpItsTurnAndLeavingTwiceChangesNothing() {
        QueryGate gate = new QueryGate(new QueryGate.Limits(1, 1, 2));
        QueryGate.Ticket running = gate.admit("a").result();
        Future<QueryGate.Ticket> waiting = gate.admit("b");
        assertEquals(1, gate.waiting());
        running.leave();
        running.leave();
        assertEquals(1, gate.running(), "the second leave did not free a second place");
        waiting.result().leave();
        assertEquals(0, gate.running());
        assertEquals(0, gate.waiting());
        assertThrows(IllegalArgumentException.class, () -> new QueryGate.Limits(2, 3, 0), "a client's share cannot exceed the total");
    }
}
