package io.pyusage.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.IOException;

/** Reads the query API's answer for a package: how many starts its users add up to. */
public final class DemoCheck {

    private DemoCheck() {
    }

    public static long startsIn(String packageUsersJson) throws IOException {
        return starts(StartupRecordCodec.mapper().readTree(packageUsersJson));
    }

    /** Sum of {@code starts} over the users a package-users answer lists. */
    public static long starts(JsonNode packageUsers) {
        long starts = 0;
        for (JsonNode user : packageUsers.path("rows")) {
            starts += user.path("starts").asLong();
        }
        return starts;
    }
}
