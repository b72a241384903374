package io.pyusage.common.clickhouse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one list of schema changes, applied in order by {@code pyusage-migrate} ({@link MigrateMain})
 * and recorded in {@code schema_migrations}; services only check the version ({@link SchemaCheck}). Every statement is written to run on ClickHouse 18.16 and on current
 * releases: no TTL, DateTime with an explicit time zone, LowCardinality only with the setting 18.16
 * asks for (see {@link #SETTINGS}).
 */
public final class SchemaMigrations {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrations.class);

    // The rollups whose views changed keep their grouping in one place: a view's backfill of new
    // states groups the starts as the view does.
    private static final String DAILY_STARTS_KEYS = "day, base, python, ci, interactive";
    private static final String DAILY_STARTS_COUNTS = "countState() AS starts, uniqState(user) AS users, uniqState(host) AS hosts";
    private static final String DAILY_STARTS_SELECT = startsGrouped(DAILY_STARTS_KEYS, DAILY_STARTS_KEYS,
            DAILY_STARTS_COUNTS + ", quantilesState(0.5, 0.95, 0.99)(startup_ms) AS startup_ms");
    // Start-up times as t-digests since migration 9: the sampling state above keeps up to 8,192
    // values a row, 1.9 of the 49 bytes a stored start on the synthetic year; a t-digest takes 0.34
    // and gave the same percentiles within 1 ms there.
    private static final String STARTUP_DIGEST = "quantilesTDigestState(0.5, 0.95, 0.99)(startup_ms) AS startup_ms_digest";
    private static final String DAILY_STARTS_DIGEST_SELECT = startsGrouped(DAILY_STARTS_KEYS, DAILY_STARTS_KEYS,
            DAILY_STARTS_COUNTS + ", " + STARTUP_DIGEST);
    private static final String DAILY_ENVIRONMENTS_SELECT = """
            SELECT env_id, day, base, countState() AS starts, uniqState(user) AS users, uniqState(host) AS hosts
            FROM starts
            GROUP BY env_id, day, base
            """;

    private static final String DAILY_HOSTS_SELECT = """
            SELECT host, day, base, python, prefix, user, env_id, package_count, countState() AS starts
            FROM starts
            GROUP BY host, day, base, python, prefix, user, env_id, package_count
            """;

    private static final String MONTHLY_ENVIRONMENTS_KEYS = "month, env_id, base, user, prefix, ci";
    /** The key columns of both monthly rollups, in the order their views select them. */
    private static final String MONTHLY_KEY_COLUMNS = "month Date, env_id UInt64, base String, user String, prefix String, ci UInt8,";
    private static final String MONTHLY_ENVIRONMENTS_SELECTED = "toStartOfMonth(day) AS month, env_id, base, user, prefix, ci";
    private static final String MONTHLY_ENVIRONMENTS_COUNTS = "countState() AS starts, maxState(ts) AS last_seen";
    private static final String MONTHLY_ENVIRONMENTS_SELECT = startsGrouped(MONTHLY_ENVIRONMENTS_SELECTED, MONTHLY_ENVIRONMENTS_KEYS,
            MONTHLY_ENVIRONMENTS_COUNTS);
    // Hosts and first days since migration 10.
    private static final String MONTHLY_HOSTS = "uniqState(host) AS hosts, minState(day) AS first_day";
    private static final String MONTHLY_ENVIRONMENTS_HOSTS_SELECT = startsGrouped(MONTHLY_ENVIRONMENTS_SELECTED, MONTHLY_ENVIRONMENTS_KEYS,
            MONTHLY_ENVIRONMENTS_COUNTS + ", " + MONTHLY_HOSTS);
    // Since migration 11 the host states are kept sorted by user (monthly_user_hosts), the first days stay.
    private static final String MONTHLY_ENVIRONMENTS_FIRST_DAY_SELECT = startsGrouped(MONTHLY_ENVIRONMENTS_SELECTED, MONTHLY_ENVIRONMENTS_KEYS,
            MONTHLY_ENVIRONMENTS_COUNTS + ", minState(day) AS first_day");
    private static final String MONTHLY_USER_HOSTS_SELECT = startsGrouped(MONTHLY_ENVIRONMENTS_SELECTED, MONTHLY_ENVIRONMENTS_KEYS,
            "uniqState(host) AS hosts");

    // The bases page: per base and month or day, its starts, users, hosts and days as pre-merged states.
    // No environment ids: a state of every environment a month would be rewritten at each merge; they come from base_environment_months.
    private static final String BASE_COUNTS = "countState() AS starts, uniqState(user) AS users, uniqState(host) AS hosts, "
            + "minState(day) AS first_day, maxState(day) AS last_day";
    private static final String BASE_COLUMNS = """
                        starts AggregateFunction(count),
                        users AggregateFunction(uniq, String),
                        hosts AggregateFunction(uniq, String),
                        first_day AggregateFunction(min, Date),
                        last_day AggregateFunction(max, Date)
            """;

    private static final String ENVIRONMENTS_SELECT = """
            SELECT env_id, min(first_seen) AS first_seen
            FROM environment_packages
            GROUP BY env_id
            """;

    // A block of package rows gives a list per environment in it; an environment whose rows were
    // split over two INSERT blocks, or written twice, has more than one list, which readers join.
    private static final String ENVIRONMENT_PACKAGE_LISTS_SELECT = """
            SELECT env_id, CAST(groupArray(concat(name, ' ', version)) AS Array(LowCardinality(String))) AS packages
            FROM environment_packages
            GROUP BY env_id
            """;

    public static final List<Migration> ALL = List.of(
            new Migration(1, "starts and environment packages",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS starts (
                        day Date,
                        ts DateTime('UTC'),
                        received_at DateTime('UTC'),
                        event_id UUID,
                        user String,
                        host String,
                        pid UInt32,
                        python String,
                        impl String,
                        executable String,
                        base String,
                        prefix String,
                        venv UInt8,
                        startup_ms Float32,
                        entry String,
                        ci UInt8,
                        interactive UInt8,
                        truncated UInt8,
                        env_id UInt64,
                        package_count UInt16,
                        source_ip String,
                        kafka_partition UInt16,
                        kafka_offset UInt64
                    ) ENGINE = MergeTree()
                    PARTITION BY toYYYYMM(day)
                    ORDER BY (base, user, host, day)
                    """),
                    // One row per (environment, package): package sets repeat across thousands of
                    // starts, so they are stored once and found by name.
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS environment_packages (
                        env_id UInt64,
                        name String,
                        version String,
                        first_seen Date
                    ) ENGINE = ReplacingMergeTree()
                    ORDER BY (name, env_id)
                    """)),
            // Where each Kafka partition was last written, kept by ClickHouse itself in the same
            // INSERT as the rows: an aggregator that restarts after a crash (rows written, offsets not
            // committed) resumes after them instead of writing them twice. Keyed by the topic's id,
            // so a topic deleted and created again starts from its beginning.
            new Migration(2, "kafka positions for exactly-once resumption",
                    Migration.addColumn("starts", "kafka_topic", "String DEFAULT ''"),
                    kafkaPositions("kafka_positions", "starts")),
            // Daily rollups for trends and dashboards, kept longer than the raw starts (see Retention).
            // Filled by materialized views as starts are inserted; aggregate states merge across days,
            // bases and environments. Environments per day come from daily_environments: a uniq state
            // of ~15,000 environment ids a row would triple daily_starts.
            new Migration(3, "daily rollups",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS daily_starts (
                        day Date,
                        base String,
                        python String,
                        ci UInt8,
                        interactive UInt8,
                        starts AggregateFunction(count),
                        users AggregateFunction(uniq, String),
                        hosts AggregateFunction(uniq, String),
                        startup_ms AggregateFunction(quantiles(0.5, 0.95, 0.99), Float32)
                    ) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(day)
                    ORDER BY (day, base, python, ci, interactive)
                    """),
                    Migration.filledByView("daily_starts", DAILY_STARTS_SELECT),
                    // Per environment, so a package's daily trend is its environments' rows summed.
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS daily_environments (
                        env_id UInt64,
                        day Date,
                        base String,
                        starts AggregateFunction(count),
                        users AggregateFunction(uniq, String),
                        hosts AggregateFunction(uniq, String)
                    ) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(day)
                    ORDER BY (env_id, day, base)
                    """),
                    Migration.filledByView("daily_environments", DAILY_ENVIRONMENTS_SELECT)),
            // The process id and the collector's receipt time are in every record on Kafka but answer
            // no report, and being random they cost 8 of about 40 bytes a stored start.
            Migration.breaking(4, "starts without pid and received_at",
                    Migration.dropColumn("starts", "pid"),
                    Migration.dropColumn("starts", "received_at")),
            // What ran on a host, sorted by host: starts are sorted by user, and a host is used by
            // many users, so a host's starts are otherwise read from the whole window. Days last in
            // the key, so a host's rows for one environment lie together and compress; no last-seen
            // time (a random DateTime a row would cost a third of the table): the last day is kept.
            new Migration(5, "daily hosts",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS daily_hosts (
                        host String,
                        day Date,
                        base String,
                        python String,
                        prefix String,
                        user String,
                        env_id UInt64,
                        package_count UInt16,
                        starts AggregateFunction(count)
                    ) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(day)
                    ORDER BY (host, user, prefix, base, python, env_id, package_count, day)
                    """),
                    Migration.filledByView("daily_hosts", DAILY_HOSTS_SELECT)),
            // Who uses a package, and what a user's environments hold, over long windows: a month of an
            // environment's starts by one user is one row (a 55th of the starts on the synthetic year),
            // so whole months of a window are read here and only the days around them from the starts.
            // No host column: a user's starts spread over many hosts, so one would cost almost a row per
            // start (migration 10 adds the number of hosts as a state).
            new Migration(6, "monthly environments",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS monthly_environments (
                        %s
                        starts AggregateFunction(count),
                        last_seen AggregateFunction(max, DateTime('UTC'))
                    ) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(month)
                    ORDER BY (env_id, month, base, user, prefix, ci)
                    """.formatted(MONTHLY_KEY_COLUMNS)),
                    Migration.filledByView("monthly_environments", MONTHLY_ENVIRONMENTS_SELECT)),
            // Which package sets are stored, found by id: environment_packages is sorted by package
            // name, so an id is found there only by reading every row. An aggregator asks here before
            // writing the package rows of a set it has not seen since it started (or has forgotten),
            // instead of writing them again. Filled from environment_packages by a view.
            new Migration(7, "stored environments",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS environments (
                        env_id UInt64,
                        first_seen Date
                    ) ENGINE = ReplacingMergeTree()
                    ORDER BY env_id
                    """),
                    Migration.filledByView("environments", ENVIRONMENTS_SELECT)),
            // The packages of given environments (a user's or a host's most-used packages, a report's
            // package list): environment_packages is sorted by name, so it is read whole to find them.
            // Here one row per environment, sorted by id in small granules, holds its "name version"
            // strings (a package name holds no space); dictionary-encoded, a year's lists take under
            // 1 byte per start.
            new Migration(8, "environment package lists",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS environment_package_lists (
                        env_id UInt64,
                        packages Array(LowCardinality(String))
                    ) ENGINE = MergeTree()
                    ORDER BY env_id
                    SETTINGS index_granularity = 128
                    """),
                    Migration.filledByView("environment_package_lists", ENVIRONMENT_PACKAGE_LISTS_SELECT)),
            // The view is replaced, so an aggregator that writes meanwhile (a rolling upgrade) may leave
            // a block out of daily_starts: stop the aggregators for this upgrade. The digests of the
            // starts still stored are backfilled; running that again weighs every start twice, which
            // leaves the percentiles as they were. Months older than the raw starts lose theirs.
            Migration.breaking(9, "start-up times as t-digests",
                    Migration.addColumn("daily_starts", "startup_ms_digest", "AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float32)"),
                    Migration.replaceView("daily_starts", DAILY_STARTS_DIGEST_SELECT),
                    Migration.sql("INSERT INTO daily_starts (" + DAILY_STARTS_KEYS + ", startup_ms_digest) "
                            + startsGrouped(DAILY_STARTS_KEYS, DAILY_STARTS_KEYS, STARTUP_DIGEST)),
                    Migration.dropColumn("daily_starts", "startup_ms")),
            // A package's versions and its users' hosts over long windows: per month, environment and
            // user, the distinct hosts as a uniq state (a user's hosts are too many to keep by name:
            // the heaviest synthetic users ran on 3,000 hosts in a year) and the first day. Merging
            // daily_environments' host states was most of a popular package's year (3.8 million rows,
            // 450-520 ms); its whole months here are 267,000 rows (200 ms with the days around them).
            // The view is replaced (see migration 9); the backfill of uniq and min states is
            // idempotent, and covers every month still stored, as this table is dropped with the starts.
            new Migration(10, "hosts and first days of monthly environments",
                    Migration.addColumn("monthly_environments", "hosts", "AggregateFunction(uniq, String)"),
                    Migration.addColumn("monthly_environments", "first_day", "AggregateFunction(min, Date)"),
                    Migration.replaceView("monthly_environments", MONTHLY_ENVIRONMENTS_HOSTS_SELECT),
                    Migration.sql("INSERT INTO monthly_environments (" + MONTHLY_ENVIRONMENTS_KEYS + ", hosts, first_day) "
                            + startsGrouped(MONTHLY_ENVIRONMENTS_SELECTED, MONTHLY_ENVIRONMENTS_KEYS, MONTHLY_HOSTS))),
            // A package's users' hosts: the page's 50 users were found in monthly_environments, sorted by
            // environment, only by reading most of its granules (131-185 ms for numpy over the synthetic
            // year). Here the same host states are sorted by user in 256-row granules (63-71 ms). They
            // leave monthly_environments, so the database stays as large as it was: a second copy would
            // cost 2.0 bytes a start. Columns in the select's order, as the backfill inserts by
            // position. Dropped with the starts; the views are replaced (see migration 9).
            Migration.breaking(11, "monthly host states sorted by user",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS monthly_user_hosts (
                        %s
                        hosts AggregateFunction(uniq, String)
                    ) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(month)
                    ORDER BY (user, month, env_id, base, prefix, ci)
                    SETTINGS index_granularity = 256
                    """.formatted(MONTHLY_KEY_COLUMNS)),
                    Migration.filledByView("monthly_user_hosts", MONTHLY_USER_HOSTS_SELECT),
                    Migration.replaceView("monthly_environments", MONTHLY_ENVIRONMENTS_FIRST_DAY_SELECT),
                    Migration.dropColumn("monthly_environments", "hosts")),
            // A start whose clock was far from the collector's is stored at its arrival and marked, so
            // that no sender can date starts into months (and partitions) of its choosing.
            new Migration(12, "starts marked when their clock was far off",
                    Migration.addColumn("starts", "clock_skewed", "UInt8")),
            // The bases page as a range read: a base's months, and the days around them, each one row
            // of pre-merged states, sorted by base. It merged every day's states of daily_starts before. Kept as long as the daily rollups;
            // the backfill covers the starts still stored.
            new Migration(13, "bases by month and by day",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS base_months (
                        base String,
                        month Date,
                    %s) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(month)
                    ORDER BY (base, month)
                    """.formatted(BASE_COLUMNS)),
                    Migration.filledByView("base_months", startsGrouped("base, toStartOfMonth(day) AS month", "base, month", BASE_COUNTS)),
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS base_days (
                        base String,
                        day Date,
                    %s) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(day)
                    ORDER BY (base, day)
                    """.formatted(BASE_COLUMNS)),
                    Migration.filledByView("base_days", startsGrouped("base, day", "base, day", BASE_COUNTS))),
            // A base's environments with their starts per month, sorted by base: the deprecation report's
            // two bases and the bases page's environments as range reads (the days around whole months
            // come from daily_environments). Kept as long as the daily rollups: the report's target side
            // asks for every environment ever seen on it.
            new Migration(14, "environments by base",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS base_environment_months (
                        base String,
                        month Date,
                        env_id UInt64,
                        starts AggregateFunction(count)
                    ) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(month)
                    ORDER BY (base, month, env_id)
                    """),
                    Migration.filledByView("base_environment_months",
                            startsGrouped("base, toStartOfMonth(day) AS month, env_id", "base, month, env_id", "countState() AS starts"))),
            // What each process imported (the hook's import record): one row per record, sorted like
            // the starts, its imported set stored once under its fingerprint (imports_id) in
            // import_set_packages, sorted by name as environment_packages is, so "who imported P" is
            // the same lookup by name as "who has P installed". A table of their own: the synthetic
            // month has 6 imported sets per environment, whose rows would otherwise double what every
            // installed answer reads. No event id: a random UUID would cost 16 bytes a row. Where each
            // partition's import records were last written is kept beside kafka_positions (see the
            // aggregator's ConsumerLoop).
            new Migration(15, "imported distributions",
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS import_set_packages (
                        imports_id UInt64,
                        name String,
                        version String,
                        first_seen Date
                    ) ENGINE = ReplacingMergeTree()
                    ORDER BY (name, imports_id)
                    """),
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS import_sets (
                        imports_id UInt64,
                        first_seen Date
                    ) ENGINE = ReplacingMergeTree()
                    ORDER BY imports_id
                    """),
                    Migration.filledByView("import_sets", """
                            SELECT imports_id, min(first_seen) AS first_seen
                            FROM import_set_packages
                            GROUP BY imports_id
                            """),
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS start_imports (
                        day Date,
                        user String,
                        host String,
                        base String,
                        prefix String,
                        python String,
                        venv UInt8,
                        imports_id UInt64,
                        import_count UInt16,
                        kafka_topic String,
                        kafka_partition UInt16,
                        kafka_offset UInt64
                    ) ENGINE = MergeTree()
                    PARTITION BY toYYYYMM(day)
                    ORDER BY (base, user, host, day)
                    """),
                    kafkaPositions("kafka_import_positions", "start_imports")),
            // Who imported a package over long windows, as monthly_environments answers who has it
            // installed: a month of an imported set's starts by one user is one row, so whole months
            // are read here and only the days around them from start_imports. The import record
            // carries the start's CI flag from now on, so the CI filter applies to both.
            new Migration(16, "monthly imports",
                    Migration.addColumn("start_imports", "ci", "UInt8 DEFAULT 0"),
                    Migration.create("""
                    CREATE TABLE IF NOT EXISTS monthly_imports (
                        month Date,
                        imports_id UInt64,
                        base String,
                        user String,
                        prefix String,
                        ci UInt8,
                        starts AggregateFunction(count),
                        last_seen AggregateFunction(max, Date)
                    ) ENGINE = AggregatingMergeTree()
                    PARTITION BY toYYYYMM(month)
                    ORDER BY (imports_id, month, base, user, prefix, ci)
                    """),
                    Migration.filledByView("monthly_imports", """
                            SELECT toStartOfMonth(day) AS month, imports_id, base, user, prefix, ci,
                                   countState() AS starts, maxState(day) AS last_seen
                            FROM start_imports
                            GROUP BY month, imports_id, base, user, prefix, ci
                            """)));

    /** What the migrations' statements need: 18.16 creates LowCardinality columns only when asked (later releases ignore it). */
    public static final Map<String, String> SETTINGS = Map.of("allow_experimental_low_cardinality_type", "1");

    /** The schema version this build's services need and its migrations reach. */
    public static final int LATEST = ALL.get(ALL.size() - 1).version();

    private SchemaMigrations() {
    }

    /** The view {@code view} of the highest Kafka offset per topic and partition of the rows written to {@code table}. */
    private static Migration.Step kafkaPositions(String view, String table) {
        return Migration.create("""
                CREATE MATERIALIZED VIEW IF NOT EXISTS %s
                ENGINE = ReplacingMergeTree(last_offset)
                ORDER BY (kafka_topic, kafka_partition)
                AS SELECT kafka_topic, kafka_partition, max(kafka_offset) AS last_offset
                FROM %s
                GROUP BY kafka_topic, kafka_partition
                """.formatted(view, table));
    }

    /** {@code states} of the starts grouped by {@code groupBy}, with the {@code selected} keys (the same, or expressions named like them) first. */
    private static String startsGrouped(String selected, String groupBy, String states) {
        return "SELECT " + selected + ",\n       " + states + "\nFROM starts\nGROUP BY " + groupBy + "\n";
    }

    /** Creates the database if needed and applies every migration not yet recorded; returns how many ran. */
    public static int apply(ClickHouseConfig config) {
        createDatabase(config);
        try (SqlConnection store = schemaTarget(config)) {
            return apply(store);
        }
    }

    /**
     * What {@code pyusage-migrate} does: creates the database if needed, takes the {@link SchemaLock}
     * (waiting up to {@code wait} for another run), applies what is not yet applied, and releases it.
     */
    public static MigrationRun migrate(ClickHouseConfig config, String holder, Duration wait) throws InterruptedException {
        createDatabase(config);
        try (SqlConnection store = schemaTarget(config)) {
            try (SchemaLock lock = SchemaLock.acquire(store, holder, wait)) {
                int before = SchemaCheck.verdict(store, LATEST).version();
                List<Migration> applied = applyPending(store, ALL);
                return new MigrationRun(before, SchemaCheck.verdict(store, LATEST).version(), applied);
            }
        }
    }

    /** Creates the configured database unless it exists, connected to {@code system}, which every user may reach. */
    public static void createDatabase(ClickHouseConfig config) {
        for (var replica : config.cluster().isPresent() ? config.replicas() : List.of(config.url())) {
            try (ClickHouseStore bootstrap = new ClickHouseStore(config.atReplica(replica).withDatabase("system"))) {
                bootstrap.execute("CREATE DATABASE IF NOT EXISTS " + config.database());
            }
        }
    }

    /** Where the migrations run: the one server, or every replica of the configured cluster. */
    private static SqlConnection schemaTarget(ClickHouseConfig config) {
        if (config.cluster().isEmpty()) {
            return new ClickHouseStore(config, SETTINGS);
        }
        ReplicatedSchema replicated = new ReplicatedSchema(config, SETTINGS);
        String cluster = config.cluster().get();
        int shards = ReplicatedSchema.shards(replicated, cluster);
        if (shards != 1) {
            replicated.close();
            throw new IllegalStateException("PYUSAGE_CLICKHOUSE_CLUSTER=" + cluster + ": the server's remote_servers has "
                    + (shards == 0 ? "no such cluster" : shards + " shards") + "; pyusage's migrations support one shard of replicas");
        }
        return replicated;
    }

    /** Applies every migration not yet recorded in the current database of {@code store}; returns how many ran. */
    public static int apply(SqlRunner store) {
        return apply(store, ALL);
    }

    /** Applies the {@code migrations} not yet recorded (a prefix of {@link #ALL}, to test an upgrade from an older schema). */
    public static int apply(SqlRunner store, List<Migration> migrations) {
        return applyPending(store, migrations).size();
    }

    /** Applies the {@code migrations} not yet recorded, in order; returns those it applied. */
    static List<Migration> applyPending(SqlRunner store, List<Migration> migrations) {
        store.executeSchemaChange("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version UInt32,
                    name String,
                    applied_at DateTime('UTC')
                ) ENGINE = ReplacingMergeTree()
                ORDER BY version
                """);
        // Recorded since the services stopped migrating at start: how an older service learns that it cannot run here.
        Migration.addColumn("schema_migrations", "breaks_older_services", "UInt8").apply(store);
        Set<Integer> applied = Set.copyOf(appliedVersions(store));
        List<Migration> ran = new ArrayList<>();
        for (Migration migration : migrations) {
            if (applied.contains(migration.version())) {
                continue;
            }
            LOG.info("applying schema migration {}: {}", migration.version(), migration.name());
            migration.steps().forEach(step -> step.apply(store));
            store.execute("INSERT INTO schema_migrations (version, name, applied_at, breaks_older_services) VALUES ("
                    + migration.version() + ", " + Sql.string(migration.name()) + ", now(), "
                    + (migration.breaksOlderServices() ? 1 : 0) + ")");
            ran.add(migration);
        }
        return ran;
    }

    /** The versions recorded as applied, for status output and tests. */
    public static List<Integer> appliedVersions(SqlRunner store) {
        return store.query("SELECT DISTINCT version FROM schema_migrations ORDER BY version").stream()
                .map(row -> row.get("version").asInt()).toList();
    }
}
