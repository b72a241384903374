package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiTokensTest {

    private static final String READER = "reader-token-0123456789";
    private static final String ADMIN = "admin-token-0123456789ab";

    @Test
    void aTokenIsTakenAsBearerOrAsTheBasicPasswordAndGivesItsRole() {
        ApiTokens tokens = ApiTokens.parse(READER + "=reader, " + ADMIN + "=ADMIN");
        assertTrue(tokens.enabled());
        assertEquals(Optional.of(ApiTokens.Role.READER), tokens.role("Bearer " + READER));
        assertEquals(Optional.of(ApiTokens.Role.ADMIN), tokens.role("bearer " + ADMIN));
        String basic = Base64.getEncoder().encodeToString(("anyone:" + READER).getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(ApiTokens.Role.READER), tokens.role("Basic " + basic));
        for (String wrong : new String[] {null, "", "Bearer ", "Bearer " + READER + "x", READER, "Basic !!!", "Basic "
                + Base64.getEncoder().encodeToString(READER.getBytes(StandardCharsets.UTF_8))}) {
            assertEquals(Optional.empty(), tokens.role(wrong), String.valueOf(wrong));
        }
        assertTrue(ApiTokens.Role.ADMIN.allows(ApiTokens.Role.READER));
        assertFalse(ApiTokens.Role.READER.allows(ApiTokens.Role.ADMIN));
    }

    @Test
    void badConfigurationIsRefusedAndNoneMeansOpen() {
        assertFalse(ApiTokens.parse("").enabled());
        for (String bad : new String[] {"short=reader", READER + "=owner", READER, "=reader"}) {
            assertThrows(IllegalArgumentException.class, () -> ApiTokens.parse(bad), bad);
        }
    }
}
