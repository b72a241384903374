package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RecentEventsTest {

    private static final UUID A = RecentEvents.eventId("0123456789abcdef0123456789abcdef");
    private static final UUID B = RecentEvents.eventId("ffffffffffffffff0000000000000001");
    private static final UUID C = RecentEvents.eventId("00000000000000000000000000000002");

    @Test
    void theHooksHexDigitsAreReadAsAUuid() {
        assertEquals(UUID.fromString("01234567-89ab-cdef-0123-456789abcdef"), A);
        assertEquals(UUID.fromString("ffffffff-ffff-ffff-0000-000000000001"), B);
    }

    @Test
    void aResendInTheSamePartitionIsRefusedAndOtherPartitionsAreApart() {
        RecentEvents recent = new RecentEvents(10);
        assertTrue(recent.accept(0, A, 1));
        assertFalse(recent.accept(0, A, 2), "the same start again");
        assertTrue(recent.accept(1, A, 1), "partitions keep their own ids");
        assertTrue(recent.accept(0, B, 3));
    }

    @Test
    void onlyTheLastCapacityIdsOfAPartitionAreKept() {
        RecentEvents recent = acceptedInPartitionZero(2, A, B, C);
        assertTrue(recent.accept(0, A, 4), "the oldest is forgotten");
        assertFalse(recent.accept(0, C, 5));
    }

    @Test
    void aRewoundPartitionForgetsTheStartsItWillReadAgainAndAGonePartitionAllOfThem() {
        RecentEvents recent = acceptedInPartitionZero(10, A, B, C);
        recent.forgetFrom(0, 2);
        assertTrue(recent.accept(0, B, 2), "read again after the rewind");
        assertTrue(recent.accept(0, C, 3));
        assertFalse(recent.accept(0, A, 4), "before the rewind: still known");
        recent.accept(1, A, 1);
        recent.forget(List.of(0));
        assertTrue(recent.accept(0, A, 5));
        assertFalse(recent.accept(1, A, 2));
    }

    /** A memory of {@code capacity} ids per partition that has accepted {@code ids} in partition 0, at offsets 1, 2, ... */
    private static RecentEvents acceptedInPartitionZero(int capacity, UUID... ids) {
        RecentEvents recent = new RecentEvents(capacity);
        for (int i = 0; i < ids.length; i++) {
            assertTrue(recent.accept(0, ids[i], i + 1));
        }
        return recent;
    }

    @Test
    void withoutCapacityEveryStartIsAccepted() {
        RecentEvents recent = new RecentEvents(0);
        assertTrue(recent.accept(0, A, 1));
        assertTrue(recent.accept(0, A, 2));
    }
}
