package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * What {@code ProcessBuilder.start} reports: its {@code java.lang.ProcessBuilder} log record (DEBUG,
 * or TRACE with every argument) and its {@code jdk.ProcessStart} JFR event. After the OpenJDK's
 * {@code ProcessBuilder/ProcessStartLoggingTest.java} and the JFR event's test.
 */
class ReportingTest {
    @Conformance
    void aStartIsLoggedAsTheJdkLogsIt(Mode m) throws Exception {
        Logger logger = Logger.getLogger("java.lang.ProcessBuilder");
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public synchronized void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level level = logger.getLevel();
        logger.addHandler(capture);
        try {
            logger.setLevel(Level.FINE);
            Process p = m.start(new ProcessBuilder("echo", "a b").directory(new java.io.File("/tmp")));
            p.waitFor();
            logger.setLevel(Level.FINER);
            Process q = m.start(new ProcessBuilder("echo", "a b"));
            q.waitFor();
            synchronized (capture) {
                assertEquals(2, records.size(), records.toString());
                assertEquals(Level.FINE, records.get(0).getLevel());
                assertEquals("ProcessBuilder.start(): pid: " + p.pid() + ", dir: /tmp, cmd: \"echo\"", records.get(0).getMessage());
                assertEquals("ProcessBuilder.start() debug", records.get(0).getThrown().getMessage());
                assertEquals(Level.FINER, records.get(1).getLevel());
                assertEquals("ProcessBuilder.start(): pid: " + q.pid() + ", dir: null, cmd: \"echo\" \"a b\"",
                        records.get(1).getMessage());
            }
        } finally {
            logger.removeHandler(capture);
            logger.setLevel(level);
        }
    }

    @Conformance
    void aStartIsAJfrProcessStartEvent(Mode m) throws Exception {
        String why = "Spawner.start cannot commit the JDK's jdk.ProcessStart JFR event (jdk.internal.event is not exported)";
        m.knownDifference(Mode.IO_URING, why);
        m.knownDifference(Mode.FALLBACK, why);
        Path file = Io.tmp().resolve("start.jfr");
        long pid;
        long stagePid;
        try (Recording r = new Recording()) {
            r.enable("jdk.ProcessStart");
            r.start();
            Process p = m.start(new ProcessBuilder("echo", "hello").directory(new java.io.File("/tmp")));
            p.waitFor();
            pid = p.pid();
            List<Process> ps = m.startPipeline(List.of(new ProcessBuilder("echo", "x"), new ProcessBuilder("cat")));
            for (Process s : ps) {
                s.waitFor();
            }
            stagePid = ps.get(1).pid();
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        RecordedEvent e = events.stream().filter(ev -> ev.getLong("pid") == pid).findFirst().orElseThrow(
                () -> new AssertionError("no jdk.ProcessStart for " + pid + " in " + events));
        assertEquals("/tmp", e.getString("directory"));
        assertEquals("echo hello", e.getString("command"));
        RecordedEvent stage = events.stream().filter(ev -> ev.getLong("pid") == stagePid).findFirst().orElseThrow(
                () -> new AssertionError("no jdk.ProcessStart for the pipeline's stage " + stagePid + " in " + events));
        assertNull(stage.getString("directory"));
        assertEquals("cat", stage.getString("command"));
        Files.deleteIfExists(file);
    }
}
