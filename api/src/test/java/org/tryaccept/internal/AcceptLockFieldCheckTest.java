package org.tryaccept.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;

/**
 * The acceptLock fast path is used only on a JDK whose channel class has the field it was reasoned
 * about; any other shape falls back to the duplicate protocol. The real class is checked by impl-linux's
 * AcceptLockTest; here, classes shaped like JDKs that differ.
 */
class AcceptLockFieldCheckTest {
    @SuppressWarnings("unused")
    static final class AsInJdk25 {
        private final ReentrantLock acceptLock = new ReentrantLock();
    }

    @SuppressWarnings("unused")
    static final class NoField {
        private final ReentrantLock lock = new ReentrantLock();
    }

    @SuppressWarnings("unused")
    static final class OtherLock {
        private final Lock acceptLock = new ReentrantReadWriteLock().writeLock();
    }

    @SuppressWarnings("unused")
    static final class StaticLock {
        private static final ReentrantLock acceptLock = new ReentrantLock();
    }

    @Test
    void theJdk25ShapeIsAccepted() {
        assertNull(AcceptLockFdAccess.fieldProblem(AsInJdk25.class));
    }

    @Test
    void otherShapesAreRefusedWithAReason() {
        String missing = AcceptLockFdAccess.fieldProblem(NoField.class);
        assertNotNull(missing);
        assertTrue(missing.contains("no field acceptLock"), missing);
        String other = AcceptLockFdAccess.fieldProblem(OtherLock.class);
        assertNotNull(other);
        assertTrue(other.contains("java.util.concurrent.locks.Lock"), other);
        String stat = AcceptLockFdAccess.fieldProblem(StaticLock.class);
        assertNotNull(stat);
        assertTrue(stat.contains("static"), stat);
    }

    @Test
    void withoutAddOpensTheModeIsNotChosenAndSaysWhy() {
        // api's own tests run without --add-opens
        assertNull(AcceptLockFdAccess.resolve());
        assertTrue(AcceptLockFdAccess.whyNot().startsWith("sun.nio.ch is not opened"), AcceptLockFdAccess.whyNot());
    }
}
