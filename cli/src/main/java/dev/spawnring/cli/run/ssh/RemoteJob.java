package dev.spawnring.cli.run.ssh;

import static dev.spawnring.cli.run.ssh.Shell.ascii;
import static dev.spawnring.cli.run.ssh.Shell.concat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What runs on this machine for a job on a remote host, as GNU parallel builds it
 * ({@code sshlogin_wrap}, {@code sshtransfer}, {@code sshreturn}, {@code sshcleanup}).
 *
 * <p>Without files to move it is ssh itself: {@code ssh [options] host -- COMMAND}, COMMAND
 * being one word that the remote login shell parses: the job's command line with every value
 * quoted ({@link Shell}), after {@code cd} to the work dir. With {@code --transferfile},
 * {@code --return} or {@code --cleanup} it is one {@code /bin/sh -c} script:
 *
 * <pre>
 * ssh host -- 'mkdir -p -- WORKDIR' &amp;&amp; rsync -rlDzR -s -e 'ssh ...' ./in host:WORKDIR;   (each --transferfile)
 * ssh host -- COMMAND;
 * _s=$?;
 * mkdir -p -- DIR &amp;&amp; rsync -rlDzR -s -e 'ssh ...' --rsync-path='cd WORKDIR/DIR; rsync' -- host:NAME DIR;   (each --return)
 * ssh host -- 'rm -f -- FILE; rmdir -- ITS-DIRS 2&gt;/dev/null; ...';   (--cleanup)
 * exit $_s
 * </pre>
 *
 * so the job's exit status is the command's, and its process group holds the transfers too
 * (a timeout ends them with it). rsync runs with {@code -s} ({@code --protect-args}): names
 * reach the remote rsync as they are, not through a remote shell. Every ssh, rsync's included,
 * is a session on the host's shared connection.
 *
 * @param ssh        the ssh words up to and including the host ({@link Hosts#ssh})
 * @param rsyncSsh   rsync's {@code -e}: the ssh words without the host ({@link Hosts#sshOptions})
 * @param host       the host name, for rsync's {@code host:path}
 * @param rsyncOpts  rsync's options ({@code $PARALLEL_RSYNC_OPTS}, GNU parallel's {@code -rlDzR})
 * @param command    the remote command (a shell command line)
 * @param workdir    the remote work dir, relative to the login dir unless absolute; null for the login dir
 * @param transfer   the files to send first, readable ones only
 * @param returns    the files to fetch back afterwards
 * @param cleanup    whether to remove the sent and fetched files on the host afterwards
 * @param removeWorkdir whether to remove the work dir afterwards ({@code --workdir ...})
 */
public record RemoteJob(List<String> ssh, List<String> rsyncSsh, String host, List<String> rsyncOpts, byte[] command,
        byte[] workdir, List<byte[]> transfer, List<byte[]> returns, boolean cleanup, boolean removeWorkdir) {
    private static final byte[] SLASH_DOT_SLASH = ascii("/./");

    /**
     * What the remote shell runs around the command, so that it ends when the job's ssh does (a
     * timeout, {@code --halt now}, Ctrl-C): the command in the background with stdin from
     * {@code /dev/null}, and a watcher that reads the session's stdin, which this JVM holds
     * open until the job ends. When the ssh is killed the session closes, the watcher reads
     * its end, and sends the command SIGTERM, then SIGKILL 2 s later. Without job control the
     * watcher reaches the command's process (a simple command is exec'd in place of its
     * subshell), not what that process started.
     */
    static byte[] watched(byte[] command) {
        // fd 3: the session's stdin, for the watcher (a background list's stdin is /dev/null otherwise).
        return concat(ascii("trap '' HUP; exec 3<&0; ("), command, ascii("\n) </dev/null 3<&- & _p=$!; "
                + "(while read -r _l; do :; done; kill -TERM $_p 2>/dev/null; sleep 2; kill -KILL $_p 2>/dev/null) <&3 & "
                + "_w=$!; exec 3<&-; wait $_p; _s=$?; kill $_w 2>/dev/null; exit $_s"));
    }

    /** @return the local argv that runs the job: ssh, or {@code /bin/sh -c} with the transfers */
    public List<byte[]> argv() {
        byte[] body = watched(command);
        byte[] remote = workdir == null ? body
                : concat(ascii("mkdir -p -- "), Shell.quote(workdir), ascii(" 2>/dev/null; cd -- "), Shell.quote(workdir),
                        ascii(" || exit 255; "), body);
        if (transfer.isEmpty() && returns.isEmpty() && !removeWorkdir) {
            List<byte[]> argv = new ArrayList<>();
            ssh.forEach(w -> argv.add(ascii(w)));
            argv.add(ascii("--"));
            argv.add(remote);
            return argv;
        }
        byte[] wd = workdir == null ? ascii(".") : workdir;
        Script s = new Script();
        for (byte[] f : transfer) {
            byte[] dest = relative(f) ? wd : ascii("/");
            s.ssh(concat(ascii("mkdir -p -- "), Shell.quote(dest))).raw(" && ").rsync()
                    .word(Shell.file(f)).quoted(concat(ascii(host + ":"), dest)).raw(";\n");
        }
        s.ssh(remote).raw(";\n_s=$?;\n");
        for (byte[] r : returns) {
            byte[] f = startsWith(r, ascii("./")) ? Arrays.copyOfRange(r, 2, r.length) : r;
            int cut = lastIndexOf(f, SLASH_DOT_SLASH);
            byte[] basedir = cut >= 0 ? Arrays.copyOf(f, cut + 1) : new byte[0];
            byte[] rest = cut >= 0 ? Arrays.copyOfRange(f, cut + 3, f.length) : f;
            byte[] dir = dirname(rest);
            byte[] local = concat(basedir, dir);
            byte[] there = relative(f) ? concat(wd, ascii("/"), dir) : dir;
            s.raw("mkdir -p -- ").quoted(local).raw(" && ").rsync()
                    .quoted(concat(ascii("--rsync-path=cd "), Shell.file(there), ascii("; rsync")))
                    .raw(" --").quoted(concat(ascii(host + ":"), basename(rest))).quoted(local).raw(";\n");
        }
        ByteArrayOutputStream rm = new ByteArrayOutputStream();
        if (cleanup) {
            List<byte[]> files = new ArrayList<>(transfer);
            files.addAll(returns);
            for (byte[] f : files) {
                int cut = lastIndexOf(f, SLASH_DOT_SLASH);
                byte[] there = cut >= 0 ? concat(wd, ascii("/"), Arrays.copyOfRange(f, cut + 3, f.length))
                        : f.length > 0 && f[0] == '/' ? f : concat(wd, ascii("/"), f);
                rm.writeBytes(concat(ascii("rm -f -- "), Shell.file(there), ascii(" 2>/dev/null; ")));
                List<byte[]> dirs = parents(dirname(there));
                if (!dirs.isEmpty()) {
                    rm.writeBytes(ascii("rmdir --"));
                    for (byte[] d : dirs) {
                        rm.write(' ');
                        rm.writeBytes(Shell.file(d));
                    }
                    rm.writeBytes(ascii(" 2>/dev/null; "));
                }
            }
        }
        if (removeWorkdir) {
            rm.writeBytes(concat(ascii("rm -rf -- "), Shell.quote(wd), ascii("; ")));
        }
        if (rm.size() > 0) {
            rm.writeBytes(ascii("true"));
            s.ssh(rm.toByteArray()).raw(";\n");
        }
        s.raw("exit $_s");
        return List.of(ascii("/bin/sh"), ascii("-c"), s.out.toByteArray());
    }

    /** The local script, word by word. */
    private final class Script {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        /** At the start of a line, or after a space: the next word needs none before it. */
        private boolean lineStart = true;

        Script raw(String text) {
            out.writeBytes(ascii(text));
            lineStart = text.endsWith("\n") || text.endsWith(" ");
            return this;
        }

        Script word(byte[] shellWord) {
            if (!lineStart) {
                out.write(' ');
            }
            out.writeBytes(shellWord);
            lineStart = false;
            return this;
        }

        Script quoted(byte[] value) {
            return word(Shell.quote(value));
        }

        /** {@code ssh ... host -- 'remote command'} */
        Script ssh(byte[] remote) {
            for (String w : ssh) {
                quoted(ascii(w));
            }
            return raw(" --").quoted(remote);
        }

        /** {@code rsync OPTS -s -e 'ssh ...'} */
        Script rsync() {
            word(ascii("rsync"));
            for (String o : rsyncOpts) {
                quoted(ascii(o));
            }
            List<byte[]> e = new ArrayList<>();
            rsyncSsh.forEach(w -> e.add(ascii(w)));
            return word(ascii("-s -e")).quoted(Shell.join(e));
        }
    }

    /** @return whether rsync puts {@code f} under the work dir: a relative name, or one with {@code /./} */
    static boolean relative(byte[] f) {
        return f.length == 0 || f[0] != '/' || lastIndexOf(f, SLASH_DOT_SLASH) >= 0;
    }

    /** POSIX {@code dirname}: {@code a} gives {@code .}, {@code /a/b} gives {@code /a}. */
    static byte[] dirname(byte[] f) {
        int end = f.length;
        while (end > 1 && f[end - 1] == '/') {
            end--;
        }
        int slash = -1;
        for (int i = end - 1; i >= 0; i--) {
            if (f[i] == '/') {
                slash = i;
                break;
            }
        }
        if (slash < 0) {
            return ascii(".");
        }
        while (slash > 0 && f[slash - 1] == '/') {
            slash--;
        }
        return slash == 0 ? ascii("/") : Arrays.copyOf(f, slash);
    }

    /** @return what follows the last slash */
    static byte[] basename(byte[] f) {
        int slash = -1;
        for (int i = 0; i < f.length; i++) {
            if (f[i] == '/') {
                slash = i;
            }
        }
        return Arrays.copyOfRange(f, slash + 1, f.length);
    }

    /** GNU parallel's rmdir list for {@code --cleanup}: {@code dir}, then each parent, deepest first, without {@code .} and {@code /}. */
    static List<byte[]> parents(byte[] dir) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] d = dir; d.length > 0 && !Arrays.equals(d, ascii(".")) && !Arrays.equals(d, ascii("/"));
                d = dirname(d)) {
            out.add(d);
        }
        return out;
    }

    private static boolean startsWith(byte[] s, byte[] prefix) {
        return s.length >= prefix.length && Arrays.equals(s, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int lastIndexOf(byte[] s, byte[] part) {
        for (int i = s.length - part.length; i >= 0; i--) {
            if (Arrays.equals(s, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }
}
