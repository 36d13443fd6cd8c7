package dev.spawnring.cli.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * OpenSSH's sshd, started for a test on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (and nowhere
 * else) with a throwaway host key and a throwaway user key, as three "hosts" for
 * {@code spawnring run -S}; {@link #close} stops it and removes everything it made.
 *
 * <p>Each address is a host of its own to the jobs: sshd's {@code ForceCommand} starts every
 * session in that host's home ({@link #home(int)}, in the fixture's directory, with
 * {@code $HOME} set to it), so relative paths, transfers and work dirs land in three
 * different places. The client side is an {@code ssh -F} config ({@link #config()}: the port,
 * the key, no host key checks); {@link #ssh()} is the {@code --ssh} value that uses it. Two
 * more ports on 127.0.0.3: {@link #refusingPort()} accepts the connection but refuses every
 * session ({@code MaxSessions 0}), a host that fails after it was reached;
 * {@link #closedPort()} has nothing listening, a host that is down.
 *
 * <p>Runs as root here ({@code PermitRootLogin prohibit-password}, {@code StrictModes no},
 * {@code UsePAM no}; {@code SetEnv SHLVL=1}, so that bash skips the user's {@code ~/.bashrc}); {@link #available()} says why it cannot run, for the tests to skip.
 */
public final class Sshd implements AutoCloseable {
    /** The three hosts. */
    public static final List<String> ADDRESSES = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");
    private static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Path PRIVSEP = Path.of("/run/sshd");

    private final Path dir;
    private final int port;
    private final int refusingPort;
    private final int closedPort;
    private final Process process;
    private final boolean madePrivsep;

    private Sshd(Path dir, int port, int refusingPort, int closedPort, Process process, boolean madePrivsep) {
        this.dir = dir;
        this.port = port;
        this.refusingPort = refusingPort;
        this.closedPort = closedPort;
        this.process = process;
        this.madePrivsep = madePrivsep;
    }

    /** @return null when sshd can run here, else why not (for {@code assumeTrue}) */
    public static String available() {
        if (!Files.isExecutable(SSHD)) {
            return SSHD + " is missing (Debian: apt-get install openssh-server)";
        }
        for (String tool : List.of("ssh", "ssh-keygen")) {
            if (which(tool) == null) {
                return tool + " is missing (Debian: apt-get install openssh-client)";
            }
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the sshd fixture logs in as root and runs as root only";
        }
        return null;
    }

    /** @return the path of {@code tool} on {@code $PATH}, or null */
    public static Path which(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Starts sshd; call {@link #available()} first. */
    public static Sshd start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("spawnring-sshd-");
        boolean madePrivsep = false;
        Process p = null;
        try {
            keygen(dir.resolve("host_key"));
            keygen(dir.resolve("user_key"));
            Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
            int[] ports = freePorts(3);
            StringBuilder cfg = new StringBuilder();
            for (String a : ADDRESSES) {
                cfg.append("ListenAddress ").append(a).append(':').append(ports[0]).append('\n');
            }
            cfg.append("ListenAddress 127.0.0.3:").append(ports[1]).append('\n');
            cfg.append("HostKey ").append(dir.resolve("host_key")).append('\n')
                    .append("PidFile ").append(dir.resolve("sshd.pid")).append('\n')
                    .append("AuthorizedKeysFile ").append(dir.resolve("authorized_keys")).append('\n')
                    .append("PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n")
                    .append("PasswordAuthentication no\nKbdInteractiveAuthentication no\n")
                    .append("MaxStartups 100:30:200\nX11Forwarding no\nPrintMotd no\n")
                    // bash, run by sshd, reads ~/.bashrc unless it is a nested shell: a root
                    // .bashrc that starts pyenv costs seconds a session.
                    .append("SetEnv SHLVL=1\n");
            cfg.append("Match LocalPort ").append(ports[1]).append("\n  MaxSessions 0\n");
            for (int i = 1; i <= ADDRESSES.size(); i++) {
                Path home = Files.createDirectories(dir.resolve("home" + i));
                cfg.append("Match LocalAddress ").append(ADDRESSES.get(i - 1)).append("\n  ForceCommand cd ")
                        .append(home).append(" && HOME=").append(home)
                        .append(" && export HOME && eval \"$SSH_ORIGINAL_COMMAND\"\n");
            }
            Files.writeString(dir.resolve("sshd_config"), cfg);
            Files.writeString(dir.resolve("ssh_config"), "Host *\n  Port " + ports[0] + "\n  IdentityFile "
                    + dir.resolve("user_key") + "\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n"
                    + "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n  ConnectTimeout 10\n");
            if (!Files.isDirectory(PRIVSEP)) {
                Files.createDirectories(PRIVSEP);
                madePrivsep = true;
            }
            p = new ProcessBuilder(SSHD.toString(), "-D", "-f", dir.resolve("sshd_config").toString(),
                    "-E", dir.resolve("sshd.log").toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(dir.resolve("sshd.out").toFile()).redirectErrorStream(true).start();
            Sshd s = new Sshd(dir, ports[0], ports[1], ports[2], p, madePrivsep);
            s.awaitListening();
            return s;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (p != null) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String log = Files.exists(dir.resolve("sshd.log")) ? Files.readString(dir.resolve("sshd.log")) : "";
            removeTree(dir);
            if (madePrivsep) {
                Files.deleteIfExists(PRIVSEP);
            }
            throw new IOException("sshd did not start: " + e.getMessage() + "\n" + log, e);
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Runs.scaled(20_000));
        List<InetSocketAddress> all = new ArrayList<>();
        for (String a : ADDRESSES) {
            all.add(new InetSocketAddress(InetAddress.getByName(a), port));
        }
        all.add(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), refusingPort));
        for (InetSocketAddress a : all) {
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(a, 1000);
                    break;
                } catch (IOException e) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IOException("sshd is not listening on " + a + " (" + e.getMessage() + ")");
                    }
                    Thread.sleep(20);
                }
            }
        }
    }

    /** Ports free on all three addresses. */
    private static int[] freePorts(int n) throws IOException {
        int[] out = new int[n];
        int found = 0;
        for (int attempt = 0; attempt < 200 && found < n; attempt++) {
            int candidate;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                candidate = s.getLocalPort();
            }
            boolean free = true;
            for (String a : ADDRESSES) {
                try (ServerSocket s = new ServerSocket(candidate, 1, InetAddress.getByName(a))) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            for (int i = 0; i < found; i++) {
                free &= out[i] != candidate;
            }
            if (free) {
                out[found++] = candidate;
            }
        }
        if (found < n) {
            throw new IOException("no free port on " + ADDRESSES);
        }
        return out;
    }

    private static void keygen(Path key) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "spawnring-test",
                "-f", key.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("ssh-keygen failed: " + out);
        }
    }

    /** @return the sshd port of the three hosts */
    public int port() {
        return port;
    }

    /** @return a port on 127.0.0.3 whose sshd accepts the connection and refuses every session */
    public int refusingPort() {
        return refusingPort;
    }

    /** @return a port on 127.0.0.3 where nothing listens */
    public int closedPort() {
        return closedPort;
    }

    /** @return the client config: {@code ssh -F} it */
    public Path config() {
        return dir.resolve("ssh_config");
    }

    /** @return {@code ssh -F CONFIG}: the {@code --ssh} of the tests */
    public String ssh() {
        return "ssh -F " + config();
    }

    /** @return the fixture's directory (removed by {@link #close}) */
    public Path dir() {
        return dir;
    }

    /**
     * @param host 1, 2 or 3
     * @return where sessions on 127.0.0.{host} start, their {@code $HOME}
     */
    public Path home(int host) {
        return dir.resolve("home" + host);
    }

    /** @return sshd's log so far, for assertion messages */
    public String log() throws IOException {
        Path l = dir.resolve("sshd.log");
        return Files.exists(l) ? Files.readString(l) : "";
    }

    /** Stops sshd and removes its directory (keys, config, homes). */
    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        removeTree(dir);
        if (madePrivsep) {
            Files.deleteIfExists(PRIVSEP);
        }
    }

    /** Removes {@code dir} and everything in it. */
    public static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
