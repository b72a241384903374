package io.pyusage.common.record;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How user names are stored: as given, or, when a pseudonym key is configured
 * ({@code PYUSAGE_PSEUDONYM_KEY}), as a keyed hash: {@code u-} and the first 96 bits of
 * HMAC-SHA256(key, name) in hex. The same name always gives the same pseudonym, so every count and
 * lookup works on pseudonyms as on names; without the key a pseudonym cannot be computed or reversed.
 */
public final class UserNames {

    public static final UserNames AS_GIVEN = new UserNames(null);
    public static final int MIN_KEY_LENGTH = 16;
    private static final String ALGORITHM = "HmacSHA256";
    private static final int PSEUDONYM_BYTES = 12;

    /** One MAC per thread: a {@link Mac} is not thread-safe and the aggregator maps records in parallel. */
    private final ThreadLocal<Mac> mac;

    private UserNames(SecretKeySpec key) {
        this.mac = key == null ? null : ThreadLocal.withInitial(() -> newMac(key));
    }

    /** Pseudonyms under {@code key}, or names as given when the key is empty. */
    public static UserNames withKey(String key) {
        if (key == null || key.isEmpty()) {
            return AS_GIVEN;
        }
        if (key.length() < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("a pseudonym key needs at least " + MIN_KEY_LENGTH + " characters");
        }
        SecretKeySpec spec = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        newMac(spec);
        return new UserNames(spec);
    }

    public boolean pseudonymised() {
        return mac != null;
    }

    /** The name as it is stored. */
    public String stored(String user) {
        if (mac == null) {
            return user;
        }
        byte[] hash = mac.get().doFinal(user.getBytes(StandardCharsets.UTF_8));
        return "u-" + HexFormat.of().formatHex(hash, 0, PSEUDONYM_BYTES);
    }

    /**
     * A path as it is stored: with pseudonyms, every segment that is the user's name (a home
     * directory, {@code /home/ann/venv}) is replaced by the pseudonym, so the path does not name the user.
     */
    public String storedPath(String path, String user) {
        if (mac == null || path == null || user.isEmpty() || !path.contains(user)) {
            return path;
        }
        String[] segments = path.split("/", -1);
        String pseudonym = stored(user);
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].equals(user)) {
                segments[i] = pseudonym;
            }
        }
        return String.join("/", segments);
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
        }
    }
}
