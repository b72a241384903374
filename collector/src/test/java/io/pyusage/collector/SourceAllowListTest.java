package io.pyusage.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SourceAllowListTest {

    @Test
    void emptyListAllowsEveryone() {
        SourceAllowList list = SourceAllowList.parse("  ");
        assertTrue(list.allowsEveryone());
        assertTrue(list.allows("203.0.113.9"));
        assertEquals("any", list.toString());
    }

    @Test
    void ipv4BlocksMatchOnTheirPrefixOnly() {
        SourceAllowList list = SourceAllowList.parse("10.0.0.0/8, 192.168.4.0/22 127.0.0.1");
        assertTrue(list.allows("10.200.3.4"));
        assertTrue(list.allows("192.168.7.255"));
        assertFalse(list.allows("192.168.8.0"));
        assertTrue(list.allows("127.0.0.1"));
        assertFalse(list.allows("127.0.0.2"));
        assertFalse(list.allows("11.0.0.1"));
    }

    @Test
    void ipv6BlocksAndIpv4MappedSendersAreUnderstood() {
        SourceAllowList list = SourceAllowList.parse("fd00::/8,10.1.0.0/16");
        assertTrue(list.allows("fd12:3456::1"));
        assertTrue(list.allows("[fd12:3456::1]"));
        assertFalse(list.allows("fe80::1"));
        assertTrue(list.allows("::ffff:10.1.2.3"));
        assertFalse(list.allows("::ffff:10.2.2.3"));
    }

    @Test
    void namesAndGarbageAreNeverAllowedAndNeverResolved() {
        SourceAllowList list = SourceAllowList.parse("0.0.0.0/0");
        assertTrue(list.allows("8.8.8.8"));
        assertFalse(list.allows("localhost"));
        assertFalse(list.allows(""));
        assertFalse(list.allows("::1"), "an IPv6 sender is not in an IPv4 block");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/x", "example.org/24", "10.0.0/8", "fd00::/129", "/8"})
    void badEntriesAreRefusedNamingTheEntry(String entry) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SourceAllowList.parse("10.0.0.0/8," + entry));
        assertTrue(error.getMessage().startsWith(entry), error.getMessage());
    }
}
