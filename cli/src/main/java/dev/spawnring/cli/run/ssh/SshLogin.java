package dev.spawnring.cli.run.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code -S}/{@code --sshlogin} entry, as GNU parallel writes it:
 * {@code [ncpus/][sshcommand [options] ][user@]host[:port]}, or {@code :} for this machine.
 *
 * <pre>
 * server.example.com            8/server.example.com        alice@server:2222
 * ssh -p 2222 server            4//usr/local/bin/myssh -l bob host
 * :                             16/:
 * </pre>
 *
 * @param spec       the entry as given
 * @param cpus       the {@code ncpus/} prefix, or 0 when the host's cores are to be asked
 * @param sshCommand the entry's own ssh command and options, or an empty list for {@code --ssh}'s
 * @param user       the {@code user@} part, or null
 * @param host       the host name or address (null for {@code :})
 * @param port       the {@code :port} part, or null
 */
public record SshLogin(String spec, int cpus, List<String> sshCommand, String user, String host, String port) {
    // GNU parallel's SSHLogin->new: [ncpu/][sshcommand ][user@]host[:port]; host is [-a-z0-9._]+.
    private static final Pattern LOGIN = Pattern.compile(
            "(?:(\\d+)/)?(?:(.*) )?(?:([^@ ]+)@)?([A-Za-z0-9._][-A-Za-z0-9._]*)(?::(\\w+))?");
    private static final Pattern LOCAL = Pattern.compile("(?:(\\d+)/)?:");

    /** @return whether this is {@code :}, this machine, without ssh */
    public boolean local() {
        return host == null;
    }

    /**
     * The name GNU parallel gives the login in its joblog's Host column and in
     * {@code $PARALLEL_SSHLOGIN}: {@code :}, or {@code [sshcommand ][user@]host[:port]} without
     * the {@code ncpus/} prefix.
     *
     * @return the name
     */
    public String name() {
        if (local()) {
            return ":";
        }
        return (sshCommand.isEmpty() ? "" : String.join(" ", sshCommand) + " ")
                + (user == null ? "" : user + "@") + host + (port == null ? "" : ":" + port);
    }

    /**
     * Parses one entry.
     *
     * @param spec the entry, e.g. {@code 2/alice@host}
     * @return the login
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static SshLogin parse(String spec) {
        String s = spec.strip();
        Matcher local = LOCAL.matcher(s);
        if (local.matches()) {
            return new SshLogin(spec, cpus(spec, local.group(1)), List.of(), null, null, null);
        }
        if (s.startsWith("@")) {
            throw new IllegalArgumentException("--sshlogin " + spec + ": host groups (@group) are not supported");
        }
        Matcher m = LOGIN.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("--sshlogin " + spec
                    + ": expected [ncpus/][sshcommand ][user@]host[:port], or : for this machine");
        }
        if (m.group(3) != null && m.group(3).contains(":")) {
            throw new IllegalArgumentException("--sshlogin " + spec + ": passwords (user:password@host) are not "
                    + "supported: use a key");
        }
        List<String> command = m.group(2) == null ? List.of()
                : Arrays.stream(m.group(2).strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
        return new SshLogin(spec, cpus(spec, m.group(1)), command, m.group(3), m.group(4), m.group(5));
    }

    private static int cpus(String spec, String n) {
        if (n == null) {
            return 0;
        }
        try {
            int c = Integer.parseInt(n);
            if (c > 0) {
                return c;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--sshlogin " + spec + ": ncpus/ must be 1 or more");
    }

    /**
     * Splits what one {@code -S} was given into entries, as GNU parallel does: at commas and
     * newlines, {@code \,} and {@code ,,} standing for a comma that does not split.
     *
     * @param option the option's value
     * @return the entries, trailing blanks removed, empty ones dropped
     */
    public static List<String> split(String option) {
        List<String> out = new ArrayList<>();
        for (String s : option.replace("\\,", "\0").replace(",,", "\0").split("[,\n]")) {
            String e = s.replace('\0', ',').stripTrailing();
            if (!e.isEmpty()) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Reads a {@code --slf} file: one entry per line; empty lines and lines starting with
     * {@code #} are skipped.
     *
     * @param file the file
     * @return its entries
     * @throws IOException when it cannot be read
     */
    public static List<String> readFile(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String e = line.stripTrailing();
            if (!e.isBlank() && !e.stripLeading().startsWith("#")) {
                out.add(e.strip());
            }
        }
        return out;
    }

    /**
     * Parses every entry, keeping the first of several that name the same login (as GNU parallel
     * does).
     *
     * @param specs the entries
     * @return the logins, in the order given
     * @throws IllegalArgumentException for an entry that is not a login
     */
    public static List<SshLogin> parseAll(List<String> specs) {
        Map<String, SshLogin> byName = new LinkedHashMap<>();
        for (String spec : specs) {
            SshLogin l = parse(spec);
            byName.putIfAbsent(l.name(), l);
        }
        return List.copyOf(byName.values());
    }
}
