package io.pyusage.aggregator;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The event ids of the starts accepted lately from each partition, so that a start sent twice (the
 * same {@code event_id}: a client's retry after a lost answer, a datagram the network duplicated)
 * is stored once. Records are keyed by host, so a resend lands in the partition of the first
 * sending; each partition keeps its last {@code capacity} ids, in the order of their offsets, so a
 * partition rewound to read records again forgets the ids from there on. Kept in memory; a partition
 * this aggregator starts to read (after a restart, or taken over from another aggregator) begins with
 * the ids of the starts last stored from it, as ClickHouse holds them.
 */
final class RecentEvents {

    private record Accepted(UUID eventId, long offset) {
    }

    /** One partition's ids: a set to look them up, a queue in offset order to forget the oldest or the newest. */
    private static final class Partition {
        final Set<UUID> ids = new HashSet<>();
        final ArrayDeque<Accepted> order = new ArrayDeque<>();
    }

    private final int capacity;
    private final Map<Integer, Partition> partitions = new HashMap<>();

    /** @param capacity ids kept per partition; 0 keeps none (every start is stored, resends too) */
    RecentEvents(int capacity) {
        this.capacity = capacity;
    }

    /** Ids kept per partition; 0 when none are. */
    int capacity() {
        return capacity;
    }

    /** The hook's 32 hex digits as a UUID (two longs: a quarter of the memory the text takes). */
    static UUID eventId(String hex) {
        return new UUID(Long.parseUnsignedLong(hex, 0, 16, 16), Long.parseUnsignedLong(hex, 16, 32, 16));
    }

    /**
     * What an import record is known by: not its start's id, which it shares, and not the id of the
     * same process's other import record (a long-running process sends one before its exit with
     * fewer distributions), so only a resend of the same record is one.
     */
    static UUID importsKey(UUID eventId, long importsId) {
        return new UUID(eventId.getMostSignificantBits() ^ importsId, ~eventId.getLeastSignificantBits());
    }

    /** True when the start is not among the partition's recent ones (it is remembered from now on); false for a resend. */
    boolean accept(int partition, UUID eventId, long offset) {
        if (capacity == 0) {
            return true;
        }
        Partition recent = partitions.computeIfAbsent(partition, p -> new Partition());
        if (!recent.ids.add(eventId)) {
            return false;
        }
        recent.order.addLast(new Accepted(eventId, offset));
        if (recent.order.size() > capacity) {
            recent.ids.remove(recent.order.removeFirst().eventId());
        }
        return true;
    }

    /** Forgets the partition's starts from {@code offset} on: they are dropped unwritten and will be read again. */
    void forgetFrom(int partition, long offset) {
        Partition recent = partitions.get(partition);
        while (recent != null && !recent.order.isEmpty() && recent.order.peekLast().offset() >= offset) {
            recent.ids.remove(recent.order.removeLast().eventId());
        }
    }

    /** Forgets the partitions this aggregator no longer reads. */
    void forget(Collection<Integer> gone) {
        gone.forEach(partitions::remove);
    }
}
