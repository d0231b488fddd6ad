package dev.okapi.relay.access;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.okapi.protocol.Wire.Access;

/**
 * Tokens and usage in two small text files under the data directory, for a relay that needs no
 * other service.
 *
 * <ul>
 *   <li>{@code tokens.tsv}: one token per line, tab-separated: id, SHA-256 of the secret, access,
 *       recursive (0/1), expires, created, path, idem key or {@code -}, sealed secret or {@code -}
 *       (see {@link Secrets#seal}). No secret is ever written in clear.</li>
 *   <li>{@code usage.tsv}: one month per line: {@code YYYY-MM}, bytes.</li>
 *   <li>{@code store.lock}: held while a writer reads, changes and replaces a file, so that the
 *       relay and the operator's command line can change tokens at the same time.</li>
 * </ul>
 *
 * <p>Every write goes to a temporary file that is forced to disk and then moved over the old one
 * atomically, and the directory is forced too: a crash leaves the old file or the new one, never a
 * mix. Readers need no lock: before answering, the store compares the file's identity (inode,
 * modification time, size) with what it loaded and reloads when another process replaced it, so a
 * token revoked from the command line is refused by the running relay at once.
 *
 * <p>Over 300 lines on purpose: the two files' formats, the lock, the atomic replacement and the
 * reload by identity are one mechanism, and split up they would each need the others' internals.
 */
public final class FileTokenStore implements TokenStore {

    private static final Logger LOG = Logger.getLogger(FileTokenStore.class.getName());
    private static final String TOKENS_HEADER = "# okapi tokens v1: id, sha256(secret), access, recursive, expires, created,"
            + " path, idem_key, sealed secret (AES-GCM, idempotent creates only). No secret in clear.";
    private static final String USAGE_HEADER = "# okapi usage v1: month, bytes relayed to consumers";
    private static final String NONE = "-";
    /** In-JVM lock per directory: a FileLock is per process, two stores of one JVM must not overlap. */
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path dir;
    private final Path tokensFile;
    private final Path usageFile;
    private final Path lockFile;
    private final Object jvmLock;
    private volatile Tokens tokens = Tokens.EMPTY;
    private volatile Usage usage = Usage.EMPTY;
    private Broken broken; // guarded by this: the tokens file as it last failed to load; null while it loads

    /** A store in {@code dir}; nothing is created until the first write. */
    public FileTokenStore(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir required").toAbsolutePath().normalize();
        this.tokensFile = this.dir.resolve("tokens.tsv");
        this.usageFile = this.dir.resolve("usage.tsv");
        this.lockFile = this.dir.resolve("store.lock");
        this.jvmLock = JVM_LOCKS.computeIfAbsent(this.dir, d -> new Object());
        tokens = loadTokens(); // a malformed store is refused now, not at the first request
    }

    Path dir() {
        return dir;
    }

    @Override
    public Optional<Token> findByHash(byte[] sha256) {
        return Optional.ofNullable(tokens().byHash.get(Secrets.hex(sha256)));
    }

    /** The file does not load, or the directory, once it exists, cannot be written (usage, token changes). */
    @Override
    public Optional<String> problem() {
        try {
            tokens(); // loads the file if it changed
        } catch (TokenStoreException e) {
            return Optional.of(e.getMessage());
        }
        if (Files.exists(dir) && !Files.isWritable(dir)) {
            return Optional.of("directory not writable");
        }
        return Optional.empty();
    }

    @Override
    public List<Token> live(long epochSecond) {
        return tokens().list.stream().filter(t -> !t.expiredAt(epochSecond)).toList();
    }

    @Override
    public boolean isEmpty() {
        return tokens().list.isEmpty();
    }

    @Override
    public Token addOrGet(Token token) {
        return mutate(list -> {
            if (token.idemKey().isPresent()) {
                for (Token t : list) {
                    if (t.idemKey().equals(token.idemKey())) {
                        return t;
                    }
                }
            }
            list.add(token);
            return token;
        });
    }

    @Override
    public boolean replace(Token token) {
        return mutate(list -> {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).id().equals(token.id())) {
                    list.set(i, token);
                    return true;
                }
            }
            return false;
        });
    }

    @Override
    public boolean remove(String tokenId) {
        return mutate(list -> list.removeIf(t -> t.id().equals(tokenId)));
    }

    @Override
    public void addUsage(YearMonth month, long bytes) {
        if (bytes <= 0) {
            return;
        }
        locked(() -> {
            Map<YearMonth, Long> months = new LinkedHashMap<>(loadUsage().months);
            months.merge(month, bytes, Long::sum);
            write(usageFile, formatUsage(months));
            usage = loadUsage();
            return null;
        });
    }

    @Override
    public long usage(YearMonth month) {
        Usage u = usage;
        if (!u.stamp.equals(Stamp.of(usageFile))) {
            u = loadUsage();
            usage = u;
        }
        return u.months.getOrDefault(month, 0L);
    }

    /** The tokens as on disk now: reloaded if another writer replaced the file. */
    private Tokens tokens() {
        Tokens t = tokens;
        Stamp now = Stamp.of(tokensFile);
        if (t.stamp.equals(now)) {
            return t;
        }
        synchronized (this) {
            if (!tokens.stamp.equals(now)) {
                reload(now);
            }
            return tokens;
        }
    }

    /**
     * Loads a tokens file that another process replaced. One that does not load is said once in the
     * log, and not read again until it changes: every request gets 503 meanwhile, and the operator
     * must learn why without a request per log line.
     */
    private void reload(Stamp now) {
        if (broken != null && broken.stamp().equals(now)) {
            throw broken.why();
        }
        try {
            tokens = loadTokens();
        } catch (TokenStoreException e) {
            broken = new Broken(now, e);
            LOG.severe("token store: " + e.getMessage() + "; new requests get 503 until the file loads again");
            throw e;
        }
        if (broken != null) {
            broken = null;
            LOG.info("token store: " + tokensFile + " loads again");
        }
    }

    private record Broken(Stamp stamp, TokenStoreException why) {
    }

    /**
     * Changes the token list under both locks, from the file as it is now; drops tokens that have
     * expired and encrypted secrets older than the idempotency window on the way.
     */
    private <T> T mutate(Function<List<Token>, T> change) {
        return locked(() -> {
            Tokens current = loadTokens();
            long now = System.currentTimeMillis() / 1000;
            List<Token> list = new ArrayList<>();
            for (Token t : current.list) {
                if (t.expiredAt(now)) {
                    continue;
                }
                list.add(t.idemSecret().isPresent() && now - t.created() > TokenService.IDEM_WINDOW.toSeconds()
                        ? t.withoutIdemSecret() : t);
            }
            T result = change.apply(list);
            if (!list.equals(current.list)) {
                write(tokensFile, formatTokens(list));
            }
            tokens = loadTokens();
            return result;
        });
    }

    private interface IoAction<T> {
        T run() throws IOException;
    }

    private <T> T locked(IoAction<T> action) {
        synchronized (jvmLock) {
            try {
                createDirectory();
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = ch.lock()) {
                    return action.run();
                }
            } catch (IOException e) {
                throw new TokenStoreException("token store " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    private void createDirectory() throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            // another process made it meanwhile
        }
    }

    /** Writes a whole file: temporary file, forced to disk, atomic move, directory forced. */
    private void write(Path target, String content) throws IOException {
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the data directory's file system cannot replace files atomically", e);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself reaches the disk
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot force the data directory (not supported here)", e);
        }
    }

    private Tokens loadTokens() {
        Stamp stamp = Stamp.of(tokensFile);
        List<String> lines;
        try {
            lines = Files.readAllLines(tokensFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Tokens(List.of(), stamp);
        } catch (IOException e) {
            throw new TokenStoreException("cannot read " + tokensFile + ": " + e.getMessage(), e);
        }
        List<Token> list = new ArrayList<>();
        int n = 0;
        for (String line : lines) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            try {
                list.add(parseToken(line));
            } catch (IllegalArgumentException e) {
                throw new TokenStoreException(tokensFile + " line " + n + ": " + e.getMessage(), e);
            }
        }
        return new Tokens(list, stamp);
    }

    private static Token parseToken(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 9) {
            throw new IllegalArgumentException("expected 9 tab-separated fields, found " + f.length);
        }
        Access access = Access.of(f[2]).orElseThrow(() -> new IllegalArgumentException("access must be read or write"));
        if (!f[3].equals("0") && !f[3].equals("1")) {
            throw new IllegalArgumentException("recursive must be 0 or 1");
        }
        return new Token(f[0], f[1], f[6], access, f[3].equals("1"), Long.parseLong(f[4]), Long.parseLong(f[5]),
                optional(f[7]), optional(f[8]));
    }

    private static Optional<String> optional(String field) {
        return field.equals(NONE) ? Optional.empty() : Optional.of(field);
    }

    private static String formatTokens(List<Token> list) {
        StringBuilder sb = new StringBuilder(TOKENS_HEADER).append('\n');
        for (Token t : list) {
            sb.append(t.id()).append('\t').append(t.hash()).append('\t').append(t.access().word()).append('\t')
                    .append(t.recursive() ? '1' : '0').append('\t').append(t.expires()).append('\t').append(t.created())
                    .append('\t').append(t.path()).append('\t').append(t.idemKey().orElse(NONE)).append('\t')
                    .append(t.idemSecret().orElse(NONE)).append('\n');
        }
        return sb.toString();
    }

    private Usage loadUsage() {
        Stamp stamp = Stamp.of(usageFile);
        List<String> lines;
        try {
            lines = Files.readAllLines(usageFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Usage(Map.of(), stamp);
        } catch (IOException e) {
            throw new TokenStoreException("cannot read " + usageFile + ": " + e.getMessage(), e);
        }
        Map<YearMonth, Long> months = new LinkedHashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            try {
                if (f.length != 2) {
                    throw new IllegalArgumentException("expected 2 tab-separated fields");
                }
                months.merge(YearMonth.parse(f[0]), Long.parseLong(f[1]), Long::sum);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new TokenStoreException(usageFile + " line " + n + ": " + e.getMessage(), e);
            }
        }
        return new Usage(Collections.unmodifiableMap(months), stamp);
    }

    private static String formatUsage(Map<YearMonth, Long> months) {
        StringBuilder sb = new StringBuilder(USAGE_HEADER).append('\n');
        months.forEach((m, b) -> sb.append(m).append('\t').append(b).append('\n'));
        return sb.toString();
    }

    /** What identifies one version of a file: an atomic replace always changes the inode. */
    private record Stamp(Object fileKey, long modified, long size) {
        static final Stamp MISSING = new Stamp("missing", -1, -1);

        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.fileKey() == null ? "none" : a.fileKey(), a.lastModifiedTime().toMillis(), a.size());
            } catch (NoSuchFileException e) {
                return MISSING;
            } catch (IOException e) {
                throw new TokenStoreException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private record Tokens(List<Token> list, Map<String, Token> byHash, Stamp stamp) {
        static final Tokens EMPTY = new Tokens(List.of(), new Stamp("never", -2, -2));

        Tokens(List<Token> list, Stamp stamp) {
            this(List.copyOf(list), index(list), stamp);
        }

        private static Map<String, Token> index(List<Token> list) {
            Map<String, Token> m = new HashMap<>();
            for (Token t : list) {
                m.put(t.hash(), t);
            }
            return Map.copyOf(m);
        }
    }

    private record Usage(Map<YearMonth, Long> months, Stamp stamp) {
        static final Usage EMPTY = new Usage(Map.of(), new Stamp("never", -2, -2));
    }
}
