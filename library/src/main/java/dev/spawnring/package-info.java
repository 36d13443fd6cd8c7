/**
 * spawnring's process API: starts Linux processes and supervises them through io_uring,
 * as {@code ProcessBuilder} and {@code Process} do, without a thread per child or per stream.
 *
 * <p>The entry points:
 * <ul>
 *   <li>{@link dev.spawnring.Spawner} starts children, on event loops of its own, each a
 *       thread with a ring ({@link dev.spawnring.Spawner#spawn spawn},
 *       {@link dev.spawnring.Spawner#run run}); close it when done.</li>
 *   <li>{@link dev.spawnring.Command} says what to run and how: argv, directory,
 *       environment, {@link dev.spawnring.Stdio} for each stream, extra fds, session and
 *       process group, umask, {@link dev.spawnring.Rlimit rlimits}, parent-death signal,
 *       timeout.</li>
 *   <li>{@link dev.spawnring.Child} is a started child: its pid, its streams, its
 *       {@link dev.spawnring.ExitStatus}, and {@link dev.spawnring.Signal signals} sent
 *       through its pidfd.</li>
 *   <li>{@link dev.spawnring.Result} is what {@link dev.spawnring.Spawner#run run} captured;
 *       a child that cannot be started is a {@link dev.spawnring.SpawnException} that names
 *       the step and the errno.</li>
 *   <li>{@link dev.spawnring.Platform#probe()} tells what this kernel offers and which path
 *       spawnring takes for each feature.</li>
 * </ul>
 *
 * <pre>{@code
 * try (Spawner spawner = Spawner.create()) {
 *     Result r = spawner.run(Command.of("uname", "-r")).join();
 *     System.out.println(r.status() + ": " + r.stdoutText());
 *
 *     Child child = spawner.spawn(Command.of("sleep", "60").timeout(Duration.ofSeconds(5)));
 *     child.signal(Signal.SIGTERM);
 *     System.out.println(child.waitFor());   // killed by signal 15
 * }
 * }</pre>
 *
 * <p>The ring under it is {@link dev.spawnring.uring}. Native access must be enabled for
 * the library: {@code --enable-native-access=dev.spawnring} on the module path,
 * {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
package dev.spawnring;
