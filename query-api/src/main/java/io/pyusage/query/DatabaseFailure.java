package io.pyusage.query;

import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client is told when a query fails: a status and a sentence of our own, never the SQL or the
 * server's text (those are logged under an incident id the answer names, for the operator).
 *
 * @param status   422 for a query over its limits (the request asked too much), 503 when ClickHouse
 *                 cannot be reached, 500 for anything else (a fault of ours)
 * @param message  what the client may read
 * @param incident the id under which the details are logged
 */
public record DatabaseFailure(int status, String message, String incident) {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseFailure.class);

    /** Classifies {@code error} and logs it in full. */
    public static DatabaseFailure of(Throwable error) {
        String incident = UUID.randomUUID().toString().substring(0, 8);
        DatabaseFailure failure;
        if (error instanceof ClickHouseException e && e.isLimitExceeded()) {
            failure = new DatabaseFailure(422, "the query needs more time or memory than allowed: narrow the window "
                    + "(since/until) or add filters", incident);
            LOG.info("query over its limits [{}]: {}", incident, error.getMessage());
        } else if (error instanceof ClickHouseException e && e.isUnreachable()) {
            failure = new DatabaseFailure(503, "the database cannot be reached; try again later", incident);
            LOG.warn("ClickHouse unreachable [{}]: {}", incident, error.getMessage());
        } else {
            failure = new DatabaseFailure(500, "the query failed; the operator can find it in the log as " + incident, incident);
            LOG.error("query failed [{}]", incident, error);
        }
        return failure;
    }
}
