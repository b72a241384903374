package io.pyusage.collector;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;

/**
 * The shared secret senders prove, the same over both transports: over HTTP as the header
 * {@code Authorization: Bearer <token>}, over UDP as a first line {@code Bearer <token>} before the
 * JSON record. Comparisons take constant time, so an answer's timing does not tell how much of a
 * guess was right. Without a configured token every sender is admitted, and a token line a sender
 * adds anyway is removed.
 */
final class IngestToken {

    private static final byte[] UDP_PREFIX = "Bearer ".getBytes(StandardCharsets.US_ASCII);

    /** What a datagram's check found: the record starts at {@code offset}, or the datagram is refused. */
    record Admitted(boolean allowed, int offset) {
        static final Admitted REFUSED = new Admitted(false, -1);
    }

    private final Optional<byte[]> expected;

    IngestToken(Optional<String> token) {
        this.expected = token.map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8));
    }

    /** True when no token is required or {@code authorization} (the HTTP header, may be null) carries it. */
    boolean admitsHeader(String authorization) {
        return expected.isEmpty()
                || authorization != null && MessageDigest.isEqual(expected.get(), authorization.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Checks a datagram's token line and finds where its record starts. A datagram without a token
     * line starts with its record; one with a line that is not the configured token is refused.
     */
    Admitted admitsDatagram(byte[] bytes, int length) {
        boolean hasLine = startsWith(bytes, length, UDP_PREFIX);
        if (!hasLine) {
            return expected.isPresent() ? Admitted.REFUSED : new Admitted(true, 0);
        }
        int newline = indexOf(bytes, length, (byte) '\n');
        if (newline < 0) {
            return Admitted.REFUSED;
        }
        int lineEnd = newline > 0 && bytes[newline - 1] == '\r' ? newline - 1 : newline;
        if (expected.isPresent() && !MessageDigest.isEqual(expected.get(), Arrays.copyOf(bytes, lineEnd))) {
            return Admitted.REFUSED;
        }
        return new Admitted(true, newline + 1);
    }

    private static boolean startsWith(byte[] bytes, int length, byte[] prefix) {
        return length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] bytes, int length, byte value) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
