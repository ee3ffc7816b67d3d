package org.tryaccept.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.tryaccept.ErrnoException;

/**
 * One OS's errno numbers, names and texts; errno handling for the whole library goes through here
 * so that numbers are never compared across OSes (92 is ENOPROTOOPT on Linux, EPROTO on FreeBSD).
 */
public final class ErrnoTable {
    private final String os;
    private final String[] names;
    private final String[] texts;
    private final Map<String, Integer> numbers = new HashMap<>();

    private ErrnoTable(String os, String[] names, String[] texts) {
        this.os = os;
        this.names = names;
        this.texts = texts;
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null) {
                numbers.putIfAbsent(names[i], i);
            }
        }
    }

    /**
     * @param os      the OS these numbers belong to, for messages
     * @param entries triples of (Integer number, String name, String text)
     */
    public static ErrnoTable of(String os, Object... entries) {
        if (entries.length % 3 != 0) {
            throw new IllegalArgumentException("entries come in (number, name, text) triples");
        }
        int max = 0;
        for (int i = 0; i < entries.length; i += 3) {
            max = Math.max(max, (Integer) entries[i]);
        }
        String[] names = new String[max + 1];
        String[] texts = new String[max + 1];
        for (int i = 0; i < entries.length; i += 3) {
            int n = (Integer) entries[i];
            if (names[n] != null) {
                throw new IllegalArgumentException(os + " errno " + n + " listed twice: " + names[n] + ", " + entries[i + 1]);
            }
            names[n] = (String) entries[i + 1];
            texts[n] = (String) entries[i + 2];
        }
        return new ErrnoTable(os, names, texts);
    }

    public String os() {
        return os;
    }

    /** @return the symbolic name, or {@code "errno N"} for numbers not in the table */
    public String name(int errno) {
        return errno >= 0 && errno < names.length && names[errno] != null ? names[errno] : "errno " + errno;
    }

    /** @return a short description, or {@code "unknown error"} */
    public String text(int errno) {
        return errno >= 0 && errno < texts.length && texts[errno] != null ? texts[errno] : "unknown error";
    }

    /**
     * @return the number for a name on this OS
     * @throws IllegalArgumentException if this OS has no such errno
     */
    public int number(String name) {
        Integer n = numbers.get(name);
        if (n == null) {
            throw new IllegalArgumentException(os + " has no errno " + name);
        }
        return n;
    }

    public boolean has(String name) {
        return numbers.containsKey(name);
    }

    /** @return every (number) this table names, ascending */
    public int[] numbers() {
        return numbers.values().stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
    }

    /** @return the typed exception for a failed call, message like {@code accept4: EMFILE (Too many open files)} */
    public ErrnoException exception(String call, int errno) {
        return new ErrnoException(call, errno, name(errno), text(errno));
    }

    @Override
    public String toString() {
        return "ErrnoTable[" + os + ", " + Arrays.stream(names).filter(x -> x != null).count() + " names]";
    }
}
