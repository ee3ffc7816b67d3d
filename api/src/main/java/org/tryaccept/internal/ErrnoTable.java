package org.tryaccept.internal;

import java.util.EnumMap;
import java.util.Map;
import org.tryaccept.ErrnoException;
import org.tryaccept.spi.Errno;

/**
 * One OS's errno numbers: a map from the numbers to the shared symbolic {@link Errno} names. Names
 * and texts live once, in {@link Errno}; an OS module only says which number each name has.
 */
public final class ErrnoTable {
    private final String os;
    private final Errno[] byNumber;
    private final Map<Errno, Integer> numbers;

    private ErrnoTable(String os, Map<Errno, Integer> numbers) {
        this.os = os;
        this.numbers = new EnumMap<>(numbers);
        int max = numbers.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        this.byNumber = new Errno[max + 1];
        numbers.forEach((name, n) -> {
            if (n <= 0) {
                throw new IllegalArgumentException(os + " " + name + " must be a positive number, got " + n);
            }
            if (byNumber[n] != null) {
                throw new IllegalArgumentException(os + " errno " + n + " listed twice: " + byNumber[n] + ", " + name);
            }
            byNumber[n] = name;
        });
    }

    /** @param numbers each name's number on {@code os} */
    public static ErrnoTable of(String os, Map<Errno, Integer> numbers) {
        return new ErrnoTable(os, numbers);
    }

    public String os() {
        return os;
    }

    /** @return the symbolic name for a number, or null when this table does not know it */
    public Errno symbol(int errno) {
        return errno > 0 && errno < byNumber.length ? byNumber[errno] : null;
    }

    /** @return the symbolic name, or {@code "errno N"} for numbers not in the table */
    public String name(int errno) {
        Errno e = symbol(errno);
        return e != null ? e.name() : "errno " + errno;
    }

    /**
     * @return the number of {@code name} on this OS
     * @throws IllegalArgumentException if this OS has no such errno
     */
    public int number(Errno name) {
        Integer n = numbers.get(name);
        if (n == null) {
            throw new IllegalArgumentException(os + " has no errno " + name);
        }
        return n;
    }

    public boolean has(Errno name) {
        return numbers.containsKey(name);
    }

    /** @return the typed exception for a failed call, message like {@code accept4: EMFILE (Too many open files)} */
    public ErrnoException exception(String call, int errno) {
        Errno e = symbol(errno);
        return new ErrnoException(call, errno, name(errno), e != null ? e.description() : "unknown error");
    }

    /** @return the exception for {@code name}, with a more helpful text than the generic one */
    public ErrnoException exception(String call, Errno name, String description) {
        return new ErrnoException(call, number(name), name.name(), description);
    }

    @Override
    public String toString() {
        return "ErrnoTable[" + os + ", " + numbers.size() + " names]";
    }
}
