package io.pyusage.common.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a service checks at start instead of migrating: that the schema is the one it was built for
 * ({@link SchemaMigrations#LATEST}). An older schema refuses the start; a newer one is a warning when
 * every newer migration keeps older services working, and refuses the start when one does not.
 */
public final class SchemaCheck {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaCheck.class);

    /** What the stored schema means for a service that knows migrations up to {@code known}. */
    public sealed interface Verdict {
        int version();
    }

    public record Current(int version) implements Verdict {
    }

    public record Older(int version) implements Verdict {
    }

    public record NewerCompatible(int version) implements Verdict {
    }

    public record NewerIncompatible(int version, int breakingVersion, String breakingName) implements Verdict {
    }

    private SchemaCheck() {
    }

    /** The stored schema's verdict for a service knowing versions up to {@code known}; no schema at all is version 0. */
    public static Verdict verdict(SqlRunner store, int known) {
        int version;
        try {
            version = store.query("SELECT max(version) AS version FROM schema_migrations").get(0).get("version").asInt();
        } catch (ClickHouseException e) {
            if (!e.isUnknownTableOrDatabase()) {
                throw e;
            }
            version = 0;
        }
        if (version < known) {
            return new Older(version);
        }
        if (version == known) {
            return new Current(version);
        }
        List<JsonNode> breaking = store.query("SELECT version, name FROM schema_migrations WHERE version > " + known
                + " AND breaks_older_services = 1 ORDER BY version LIMIT 1");
        return breaking.isEmpty() ? new NewerCompatible(version)
                : new NewerIncompatible(version, breaking.get(0).get("version").asInt(), breaking.get(0).get("name").asText());
    }

    /** Checks the configured database for {@code service}: returns its version, or fails the start with what to do. */
    public static int require(ClickHouseConfig config, String service) {
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            Verdict verdict = verdict(store, SchemaMigrations.LATEST);
            String database = "ClickHouse database " + config.database();
            if (verdict instanceof Older older) {
                throw new IllegalStateException(database + " has schema version " + older.version()
                        + " and this " + service + " needs version " + SchemaMigrations.LATEST
                        + ": run the migrations first (pyusage-migrate, with a user that may change the schema), then start it again");
            }
            if (verdict instanceof NewerIncompatible newer) {
                throw new IllegalStateException(database + " has schema version " + newer.version()
                        + ", newer than this " + service + " knows (" + SchemaMigrations.LATEST + "), and migration "
                        + newer.breakingVersion() + " (" + newer.breakingName() + ") does not work with older services:"
                        + " install the release that brought it");
            }
            if (verdict instanceof NewerCompatible) {
                LOG.warn("{} has schema version {}, newer than this {} knows ({}); its newer migrations keep older services"
                        + " working, but upgrade this one soon", database, verdict.version(), service, SchemaMigrations.LATEST);
            } else {
                LOG.info("{} has schema version {}, the one this {} needs", database, verdict.version(), service);
            }
            return verdict.version();
        } catch (ClickHouseException e) {
            if (e.isLoginRefused()) {
                throw new IllegalStateException("ClickHouse at " + config.url() + " refused the login of user " + config.user()
                        + ": check PYUSAGE_CLICKHOUSE_USER and PYUSAGE_CLICKHOUSE_PASSWORD (" + e.getMessage() + ")", e);
            }
            throw e;
        }
    }
}
