package io.pyusage.common.record;

import java.util.List;

/**
 * A stable 63-bit id for a set of installed packages, independent of their order, so that the same
 * environment seen in thousands of starts is stored once. Each {@code name, version} pair is hashed
 * (FNV-1a over its characters, a separator between name and version, then the SplitMix64 finaliser)
 * and the pair hashes are added up: no sorting, no copying, a few nanoseconds a package, where a
 * cryptographic digest of the sorted list cost more than parsing the record. The sum of well-mixed
 * 64-bit values is itself uniform, so at a billion distinct environments the chance of any collision
 * stays below 6 %, at today's tens of thousands it is negligible. It is not meant to resist someone
 * crafting a package set to collide with another; the worst such a collision does is merge two
 * environments' package lists in the reports.
 */
public final class EnvironmentFingerprint {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private EnvironmentFingerprint() {
    }

    public static long of(List<InstalledPackage> packages) {
        long sum = 0;
        for (InstalledPackage p : packages) {
            long hash = FNV_OFFSET;
            for (int i = 0; i < p.name().length(); i++) {
                hash = step(hash, p.name().charAt(i));
            }
            hash = separate(hash);
            for (int i = 0; i < p.version().length(); i++) {
                hash = step(hash, p.version().charAt(i));
            }
            sum += mix(hash);
        }
        return finish(sum);
    }

    /** The same fingerprint built while reading, without strings: {@code start}, the name's chars, {@code separate}, the version's, {@code pair}. */
    static long start() {
        return FNV_OFFSET;
    }

    static long step(long hash, char c) {
        return (hash ^ c) * FNV_PRIME;
    }

    static long add(long hash, char[] chars, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            hash = step(hash, chars[i]);
        }
        return hash;
    }

    /** Between name and version; not a char value, so "a" + "12" differs from "a1" + "2". */
    static long separate(long hash) {
        return (hash ^ 0xffff) * FNV_PRIME;
    }

    /** One pair's contribution to the sum. */
    static long pair(long hash) {
        return mix(hash);
    }

    static long finish(long sum) {
        return sum & Long.MAX_VALUE;
    }

    /** SplitMix64's finaliser: every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
