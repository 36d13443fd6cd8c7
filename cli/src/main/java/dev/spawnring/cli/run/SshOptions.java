package dev.spawnring.cli.run;

import dev.spawnring.cli.run.ssh.SshLogin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code spawnring run}'s options for other machines, as GNU parallel spells them: where the
 * jobs run ({@code -S}, {@code --slf}, {@code --ssh}), which files go there and back
 * ({@code --transferfile}, {@code --return}, {@code --cleanup}, {@code --trc}), and in which
 * directory ({@code --workdir}, which applies to this machine too). A picocli mixin of
 * {@link RunCommand}.
 */
final class SshOptions {
    @Option(names = {"-S", "--sshlogin"}, paramLabel = "LOGIN",
            description = "Run jobs on these hosts through ssh: [N/][user@]host[:port], : for this machine; "
                    + "comma-separated or repeated. N: the host's cores (else asked); -j applies per host.")
    List<String> logins = new ArrayList<>();

    @Option(names = {"--slf", "--sshloginfile"}, paramLabel = "FILE",
            description = "Read -S logins from FILE, one per line (# comments); .. is ~/.parallel/sshloginfile.")
    List<String> loginFiles = new ArrayList<>();

    @Option(names = "--ssh", paramLabel = "COMMAND",
            description = "The ssh command and its options (default: $PARALLEL_SSH or ssh), e.g. --ssh 'ssh -F cfg'.")
    String ssh;

    @Option(names = {"--transferfile", "--tf"}, paramLabel = "FILE",
            description = "Copy FILE (placeholders filled) to the host with rsync before the job, under the work dir.")
    List<String> transferFiles = new ArrayList<>();

    @Option(names = "--transfer", description = "Same as --transferfile {}.")
    boolean transfer;

    @Option(names = "--return", paramLabel = "FILE",
            description = "Fetch FILE (placeholders filled) back from the host with rsync after the job.")
    List<String> returnFiles = new ArrayList<>();

    @Option(names = "--cleanup", description = "Remove the transferred and returned files on the host after the job.")
    boolean cleanup;

    @Option(names = "--trc", paramLabel = "FILE", description = "Same as --transfer --return FILE --cleanup.")
    List<String> trc = new ArrayList<>();

    @Option(names = {"--workdir", "--wd"}, paramLabel = "DIR",
            description = "Run the jobs in DIR (placeholders filled; made if missing): relative to the login dir on "
                    + "a host. '.' is this directory (relative to $HOME when under it); '...' a new directory per job "
                    + "under ~/.parallel/tmp, removed after it.")
    String workdir;

    /** @return whether any option of this mixin was given */
    boolean any() {
        return !logins.isEmpty() || !loginFiles.isEmpty() || workdir != null || transfer || cleanup
                || !transferFiles.isEmpty() || !returnFiles.isEmpty() || !trc.isEmpty();
    }

    /**
     * @return the hosts of {@code -S} and {@code --slf}, in the order given, or an empty list
     * @throws IllegalArgumentException for a login that is not one, or a file that cannot be read
     */
    List<SshLogin> hosts() {
        List<String> specs = new ArrayList<>();
        for (String s : logins) {
            specs.addAll(SshLogin.split(s));
        }
        for (String f : loginFiles) {
            Path p = f.equals("..") ? Path.of(System.getProperty("user.home"), ".parallel", "sshloginfile") : Path.of(f);
            try {
                specs.addAll(SshLogin.readFile(p));
            } catch (IOException e) {
                throw new IllegalArgumentException("--slf " + f + ": cannot read " + p + ": " + e.getMessage());
            }
        }
        if (specs.isEmpty() && (!logins.isEmpty() || !loginFiles.isEmpty())) {
            throw new IllegalArgumentException("-S/--slf: no login given");
        }
        return SshLogin.parseAll(specs);
    }

    /** @return the ssh command as words: {@code --ssh}, else {@code $PARALLEL_SSH}, else {@code ssh} */
    List<String> sshCommand() {
        String s = ssh != null ? ssh : System.getenv("PARALLEL_SSH");
        List<String> words = s == null ? List.of() : Arrays.stream(s.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
        if (ssh != null && words.isEmpty()) {
            throw new IllegalArgumentException("--ssh: no command given");
        }
        return words.isEmpty() ? List.of("ssh") : words;
    }

    /** @return the {@code --transferfile} templates, {@code --transfer} and {@code --trc} included */
    List<String> transfers() {
        List<String> t = new ArrayList<>(transferFiles);
        if ((transfer || !trc.isEmpty()) && !t.contains("{}")) {
            t.add("{}");
        }
        return t;
    }

    /** @return the {@code --return} templates, {@code --trc}'s included */
    List<String> returns() {
        List<String> r = new ArrayList<>(returnFiles);
        r.addAll(trc);
        return r;
    }

    /** @return whether {@code --cleanup} or {@code --trc} was given */
    boolean cleans() {
        return cleanup || !trc.isEmpty();
    }

    /** @return whether {@code rsync} is on this machine's {@code $PATH} */
    static boolean hasRsync() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "rsync"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A host's job slots, {@code -j} read against its cores as GNU parallel does: N; N% of
     * them; +N or -N more or fewer; nothing: one per core; 0: {@code zero}.
     *
     * @param jobs  {@code -j} as given, or null (checked already)
     * @param cpus  the host's cores
     * @param zero  what {@code -j 0} gives
     * @return the slots, at least 1
     */
    static int slots(String jobs, int cpus, int zero) {
        if (jobs == null) {
            return cpus;
        }
        String j = jobs.trim();
        long n;
        if (j.endsWith("%")) {
            n = (long) Math.floor(cpus * Double.parseDouble(j.substring(0, j.length() - 1)) / 100);
        } else if (j.startsWith("+") || j.startsWith("-")) {
            n = cpus + Long.parseLong(j);
        } else {
            n = Long.parseLong(j);
            if (n == 0) {
                return zero;
            }
        }
        return (int) Math.max(1, Math.min(n, 1_000_000));
    }
}
