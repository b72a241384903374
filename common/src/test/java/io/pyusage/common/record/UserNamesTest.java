package io.pyusage.common.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class UserNamesTest {

    private static final String KEY = "sixteen-chars-or-more";

    @Test
    void withoutAKeyNamesAreStoredAsGiven() {
        assertSame(UserNames.AS_GIVEN, UserNames.withKey(""));
        assertFalse(UserNames.AS_GIVEN.pseudonymised());
        assertEquals("ann", UserNames.AS_GIVEN.stored("ann"));
    }

    @Test
    void aPseudonymIsTheTruncatedHmacOfTheNameUnderTheKey() throws Exception {
        UserNames names = UserNames.withKey(KEY);
        assertTrue(names.pseudonymised());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(), "HmacSHA256"));
        String expected = "u-" + HexFormat.of().formatHex(mac.doFinal("ann".getBytes()), 0, 12);
        assertEquals(expected, names.stored("ann"));
        assertEquals(names.stored("ann"), UserNames.withKey(KEY).stored("ann"), "the same under the same key, in any process");
        assertNotEquals(names.stored("ann"), names.stored("bo"));
        assertNotEquals(names.stored("ann"), UserNames.withKey(KEY + "x").stored("ann"), "another key, another pseudonym");
    }

    @Test
    void aHomeDirectoryInAPathIsPseudonymisedToo() {
        UserNames names = UserNames.withKey(KEY);
        String ann = names.stored("ann");
        assertEquals("/home/" + ann + "/venvs/annotate", names.storedPath("/home/ann/venvs/annotate", "ann"), "whole segments only");
        assertEquals("/opt/python/2023.06", names.storedPath("/opt/python/2023.06", "ann"));
        assertEquals("/home/ann/venv", UserNames.AS_GIVEN.storedPath("/home/ann/venv", "ann"));
    }

    @Test
    void pseudonymsAreTheSameOnEveryThread() {
        UserNames names = UserNames.withKey(KEY);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        IntStream.range(0, 10_000).parallel().forEach(i -> seen.add(names.stored("user-" + (i % 10))));
        assertEquals(10, seen.size());
    }

    @Test
    void aShortKeyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> UserNames.withKey("short"));
    }
}
