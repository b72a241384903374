package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UsageTest {

    @Test
    void installedIsTheDefaultAndAnythingElseIsRefusedNamingTheParameter() {
        assertEquals(Usage.INSTALLED, Usage.from(null));
        assertEquals(Usage.INSTALLED, Usage.from(""));
        assertEquals(Usage.INSTALLED, Usage.from("installed"));
        assertEquals(Usage.IMPORTED, Usage.from("imported"));
        BadRequestException refused = assertThrows(BadRequestException.class, () -> Usage.from("IMPORTED'--"));
        assertEquals("usage", refused.parameter());
    }
}
